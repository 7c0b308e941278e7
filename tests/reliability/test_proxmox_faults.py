"""Proxmox misbehaving under a real job (an admin's ``/server resize 101 memory=8G``, run by
real RQ workers against the simulator over HTTP): the right words to the person, retries
only where another try can help, the change applied once, the busy lock released."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis

from proxmox.simulator import Simulator
from tests.reliability.helpers import busy_locks, fresh_prefix, job_id_of, run_chain
from tests.support.testbot import TestBot, running_testbot

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


@pytest.fixture
def bot(testbot_redis: redis.Redis) -> Iterator[TestBot]:
    sim = Simulator.demo()
    sim.time_scale = 0.05  # tasks take a moment, as on a real cluster
    # A hung request must time out (2 s) well inside the 4 s hang; three retries at most.
    with running_testbot(
        testbot_redis, fresh_prefix(), sim=sim, worker={"retry_cap": 3}, proxmox_timeout=2.0
    ) as bot:
        yield bot


def _memory(bot: TestBot) -> str:
    """What the VM will run with (a running VM's memory change waits in pending)."""
    vm = bot.sim.vms[101]
    return str(vm.pending.get("memory", vm.config["memory"]))


def _puts(bot: TestBot) -> list[int | None]:
    return [c.status for c in bot.calls if c.method == "PUT" and c.path.endswith("/config")]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_is_reported_retried_only_when_useful_and_applied_once(
    bot: TestBot, case: Case
) -> None:
    case.inject(bot.sim)
    reply = bot.send("boss", "/server resize 101 memory=8G")

    state = run_chain(bot, job_id_of(bot, reply), timeout=40)

    assert state.status == case.status, state.error
    texts = " | ".join(bot.chat.notified_texts() + bot.chat.current_texts())
    assert case.told in texts
    puts = _puts(bot)
    if case.retried:
        assert len(puts) >= 2  # the failed attempt(s), then the one that worked
        assert puts.count(200) == 1
        assert _memory(bot) == "8192"
    elif case.name == "401":
        # Refused at once, no retry loop: the preflight read, and the failure report's look
        # at the server, both answered 401.
        assert {c.status for c in bot.calls} == {401}
        assert len(bot.calls) <= 2
        assert "authentication failure" in texts
    else:
        assert puts == [500]
        assert _memory(bot) == "4096"
    assert busy_locks(bot).holder(101) is None
    if not case.retried:
        assert "trying again" not in texts
