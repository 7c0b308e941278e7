"""Every command of the registry, in every scope allowed to run it, runs each of its help
examples verbatim end to end — the real handler, Redis, an RQ worker and the simulator over
HTTP — and does what it documents (``checks.CHECKS``). Values that exist only at run time
come from the example's declared placeholders, by running the command that yields them.

The last test prints ``end-to-end coverage: N/M`` over (command, scope) pairs and fails
below 100 %: a command nobody can run end to end is a failing test."""

from __future__ import annotations

import uuid

import pytest
import redis

from bot.commands import build_registry
from bot.commands.registry import SLASH, Command
from tests.e2e.checks import CHECKS, PREPARE, SHOWS_A_FAILURE, Before, Run
from tests.support.conversation import fill_placeholders, perform
from tests.support.testbot import running_testbot

REGISTRY = build_registry()
# Who may run each scope: a customer on a server they own, an admin on any server; /auth is
# for anyone, linked or not.
ACTORS = {"server": ("customer", "admin"), "admin": ("admin",), "auth": ("customer", "unlinked")}
PEOPLE = {"customer": "alice", "admin": "boss", "unlinked": "mallory"}
PAIRS = [(c, who) for c in REGISTRY.commands for who in ACTORS[c.scope]]
PASSED: set[tuple[str, str]] = set()


@pytest.mark.parametrize(("command", "who"), PAIRS, ids=[f"{c.slash}:{w}" for c, w in PAIRS])
def test_every_example_works_end_to_end(
    command: Command, who: str, testbot_redis: redis.Redis
) -> None:
    check = CHECKS.get(command.slash)
    assert check is not None, f"{command.slash} has no documented success in tests/e2e/checks.py"
    assert command.examples, f"{command.slash} has no example"
    for example in command.examples:
        with running_testbot(testbot_redis, f"e2e-{uuid.uuid4().hex[:10]}") as bot:
            actor = PEOPLE[who]
            line = fill_placeholders(bot, command, f"{SLASH[command.scope]} {example}", actor)
            prepare = PREPARE.get(command.slash)
            if prepare is not None:
                prepare(bot)
            before = Before.of(bot)
            bot.sim.clear_calls()
            done = perform(bot, actor, line)
            assert done.seen, f"{actor} saw nothing for {line}"
            assert done.first.reply.tone != "warning" or done.first.reply.buttons, done.text
            if command.slash not in SHOWS_A_FAILURE:
                assert all(s.reply.tone != "error" for s in done.seen), done.text
            check(Run(bot, done, before))
    PASSED.add((command.slash, who))


def test_end_to_end_coverage_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: every (command, scope) pair above passed."""
    total = {(c.slash, w) for c, w in PAIRS}
    with capsys.disabled():
        print(f"\nend-to-end coverage: {len(PASSED & total)}/{len(total)} (command, scope) pairs")
    assert sorted(total - PASSED) == []
