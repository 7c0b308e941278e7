"""The worker's live ownership re-check: a job for a server the account does not own fails
exactly like a job for a server that does not exist, and sends Proxmox no write."""

from __future__ import annotations

from bot.ports.notify import ReplyTarget
from jobs.queue import JobRequest
from tests.reliability.conftest import CUSTOMER, Stack

WRITES = frozenset({"POST", "PUT", "DELETE"})


def _crafted(stack: Stack, vmid: int) -> JobRequest:
    """A request as if the ack path had let it through: account acme, any VMID."""
    target = ReplyTarget(platform="console", workspace="console", channel="general",
                         requester=CUSTOMER.user)  # fmt: skip
    return JobRequest(
        kind="server.power", vmid=vmid, args={"vmid": vmid, "action": "start"}, target=target,
        requested_by=CUSTOMER.key, inbound_id=f"{stack.prefix}-crafted-{vmid}", account="acme",
    )  # fmt: skip


def _failure_seen(stack: Stack, job_id: str, vmid: int) -> str:
    """What the requester was told when the chain ended, with the VMID made neutral."""
    state = stack.run_chain(job_id)
    assert state.status == "failed"
    [text] = [s.text for s in stack.worker_notifier.sent if s.text.startswith("✗")]
    stack.worker_notifier.sent.clear()
    return text.replace(str(vmid), "<vm>")


def _writes(stack: Stack) -> list[str]:
    return [f"{c.method} {c.path}" for c in stack.sim.calls if c.method in WRITES]


def test_a_server_not_owned_fails_exactly_like_a_missing_one(stack: Stack) -> None:
    missing = _failure_seen(
        stack, stack.handler.jobs.queue.submit(_crafted(stack, 104)).job_id, 104
    )
    foreign = _failure_seen(
        stack, stack.handler.jobs.queue.submit(_crafted(stack, 103)).job_id, 103
    )

    # The inventory still says acme owns 102 (stopped); Proxmox's tag now says globex.
    stack.sim.vms[102].config["tags"] = "owner-globex"
    reply = stack.handler.handle(stack.invocation("start 102"))
    job_id = reply.text.rpartition("(job ")[2].rstrip(")")
    stale = _failure_seen(stack, job_id, 102)

    assert foreign == missing
    assert stale == missing
    assert missing == "✗ power <vm> failed: server <vm> does not exist"
    assert _writes(stack) == []
