"""Proxmox misbehaving under a real job (an admin's ``/server resize 101 memory=8G``, run by
real RQ workers against the simulator over HTTP): the right words to the person, retries
only where another try can help, the change applied once, the busy lock released."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from proxmox.simulator import Simulator
from tests.reliability.conftest import ADMIN, Stack

CONFIG = r"/qemu/101/config$"


@dataclass(frozen=True)
class Case:
    name: str
    inject: Callable[[Simulator], None]
    status: str
    told: str  # a phrase the requester must have been shown
    retried: bool


CASES = [
    Case("596", lambda s: s.faults.fail_next(596, method="PUT", path=CONFIG),
         "succeeded", "trying again", True),
    Case("595", lambda s: s.faults.fail_next(595, method="PUT", path=CONFIG),
         "succeeded", "trying again", True),
    Case("reset", lambda s: s.faults.reset_next(method="PUT", path=CONFIG),
         "succeeded", "trying again", True),
    Case("hang", lambda s: s.faults.hang_next(4.0, method="PUT", path=CONFIG),
         "succeeded", "trying again", True),
    Case("locked", lambda s: s.faults.lock_timeout(101, seconds=1.5),
         "succeeded", "got timeout", True),
    Case("500", lambda s: s.faults.fail_next(500, method="PUT", path=CONFIG),
         "failed", "Internal Server Error", False),
    Case("401", lambda s: s.faults.reject_auth(),
         "failed", "", False),
]  # fmt: skip


def _memory(stack: Stack) -> str:
    """What the VM will run with (a running VM's memory change waits in pending)."""
    vm = stack.sim.vms[101]
    return str(vm.pending.get("memory", vm.config["memory"]))


def _puts(stack: Stack) -> list[int | None]:
    return [c.status for c in stack.sim.calls if c.method == "PUT" and c.path.endswith("/config")]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_is_reported_retried_only_when_useful_and_applied_once(
    stack: Stack, case: Case
) -> None:
    case.inject(stack.sim)
    reply = stack.handler.handle(stack.invocation("resize 101 memory=8G", ADMIN))
    job_id = reply.text.rsplit("job ", 1)[1].rstrip(")")

    state = stack.run_chain(job_id, timeout=40)

    assert state.status == case.status, state.error
    texts = " | ".join(stack.worker_notifier.texts() + stack.worker_notifier.current_texts())
    assert case.told in texts
    puts = _puts(stack)
    if case.retried:
        assert len(puts) >= 2  # the failed attempt(s), then the one that worked
        assert puts.count(200) == 1
        assert _memory(stack) == "8192"
    elif case.name == "401":
        # Refused at once, no retry loop: the preflight read, and the failure report's look
        # at the server, both answered 401.
        assert {c.status for c in stack.sim.calls} == {401}
        assert len(stack.sim.calls) <= 2
        assert "authentication failure" in texts
    else:
        assert puts == [500]
        assert _memory(stack) == "4096"
    assert stack.locks().holder(101) is None
    if not case.retried:
        assert "trying again" not in texts
