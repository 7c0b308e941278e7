"""The worker's live ownership re-check: a job for a server the account does not own fails
exactly like a job for a server that does not exist, and sends Proxmox no write."""

from __future__ import annotations

from bot.ports.notify import ReplyTarget
from jobs.queue import JobRequest
from tests.reliability.helpers import job_id_of, run_chain
from tests.support.testbot import TestBot, identity, room


def _crafted(bot: TestBot, vmid: int) -> JobRequest:
    """A request as if the ack path had let it through: alice of account acme, any VMID."""
    target = ReplyTarget(platform="console", workspace="console", channel=room("alice"),
                         requester="alice")  # fmt: skip
    return JobRequest(
        kind="server.power", vmid=vmid, args={"vmid": vmid, "action": "start"}, target=target,
        requested_by=identity("alice").key, inbound_id=f"{bot.prefix}-crafted-{vmid}",
        account="acme",
    )  # fmt: skip


def _failure_seen(bot: TestBot, job_id: str, vmid: int) -> str:
    """What the requester was told when the chain ended, with the VMID made neutral."""
    mark = bot.mark()
    state = run_chain(bot, job_id)
    assert state.status == "failed"
    [text] = [t for t in bot.chat.notified_texts(since=mark) if t.startswith("✗")]
    return text.replace(str(vmid), "<vm>")


def test_a_server_not_owned_fails_exactly_like_a_missing_one(testbot: TestBot) -> None:
    bot = testbot
    missing = _failure_seen(bot, bot.handler.jobs.queue.submit(_crafted(bot, 104)).job_id, 104)
    foreign = _failure_seen(bot, bot.handler.jobs.queue.submit(_crafted(bot, 103)).job_id, 103)

    # The inventory still says acme owns 102 (stopped); Proxmox's tag now says globex.
    bot.sim.vms[102].config["tags"] = "owner-globex"
    reply = bot.send("alice", "/server start 102")
    stale = _failure_seen(bot, job_id_of(bot, reply), 102)

    assert foreign == missing
    assert stale == missing
    assert missing == "✗ power <vm> failed: server <vm> does not exist"
    assert bot.writes() == []
