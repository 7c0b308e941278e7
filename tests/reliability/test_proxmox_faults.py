"""Proxmox misbehaving under a real job (an admin's ``/server resize 101 memory=8G``, run by
real RQ workers against the simulator over HTTP): the right words to the person, retries
only where another try can help, the change applied once, the busy lock released."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis

from proxmox.simulator import Simulator
from tests.jobs.cards import one_card
from tests.reliability.helpers import busy_locks, fresh_prefix, job_id_of, ref_of, run_chain
from tests.support.testbot import TestBot, running_testbot

CONFIG = r"/qemu/101/config$"


@dataclass(frozen=True)
class Case:
    name: str
    inject: Callable[[Simulator], None]
    status: str
    # What the card said: while a retry waits (the error, in words), or when it failed.
    told: str
    retried: bool


WAITING = "⏳ Changing CPU and memory (2 of 4) — "
CASES = [
    Case("596", lambda s: s.faults.fail_next(596, method="PUT", path=CONFIG),
         "succeeded", "Connection timed out", True),
    Case("595", lambda s: s.faults.fail_next(595, method="PUT", path=CONFIG),
         "succeeded", "Connection refused", True),
    Case("reset", lambda s: s.faults.reset_next(method="PUT", path=CONFIG),
         "succeeded", "cannot reach Proxmox", True),
    Case("hang", lambda s: s.faults.hang_next(4.0, method="PUT", path=CONFIG),
         "succeeded", "timed out waiting for Proxmox", True),
    Case("locked", lambda s: s.faults.lock_timeout(101, seconds=1.5),
         "succeeded", "got timeout", True),
    Case("500", lambda s: s.faults.fail_next(500, method="PUT", path=CONFIG),
         "failed", "✗ Failed while changing CPU and memory: Internal Server Error. "
         "The server is running.", False),
    Case("401", lambda s: s.faults.reject_auth(),
         "failed", "✗ Failed while checking the server: the Proxmox cluster refused the "
         "bot's credentials; an admin needs to fix this", False),
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
    mark = bot.mark()
    reply = bot.send("boss", "/server resize 101 memory=8G")

    state = run_chain(bot, job_id_of(bot, reply), timeout=40)

    assert state.status == case.status, state.error
    card = one_card(bot.chat, since=mark)
    assert card.title == "Resize · acme-web (101)"
    head = f"asked by @boss · #{ref_of(reply)}\n"
    assert all(t.startswith(head) for t in card.texts), card.texts
    states = [t.removeprefix(head) for t in card.texts]
    waiting = [t for t in states if t.startswith(WAITING)]
    puts = _puts(bot)
    if case.retried:
        # Each retry is on the card while it waits, saying why; then the outcome.
        assert waiting, states
        assert all(t.endswith("; trying again shortly") for t in waiting), waiting
        assert case.told in waiting[0], waiting
        assert states[-1].startswith("✓ Done in N s\n")
        assert card.notice.reply.text == "Resize of acme-web (101) is done."
        assert len(puts) >= 2  # the failed attempt(s), then the one that worked
        assert puts.count(200) == 1
        assert _memory(bot) == "8192"
    else:
        assert waiting == [], states  # no retry promised where another try cannot help
        assert states[-1] == case.told
        assert card.notice.reply.text == "Resize of acme-web (101) did not go through."
    if case.name == "401":
        # Refused at once, no retry loop: the preflight read, and the failure report's look
        # at the server, both answered 401.
        assert {c.status for c in bot.calls} == {401}
        assert len(bot.calls) <= 2
    elif case.name == "500":
        assert puts == [500]
        assert _memory(bot) == "4096"
    assert busy_locks(bot).holder(101) is None
