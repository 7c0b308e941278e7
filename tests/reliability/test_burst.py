"""A burst: 1,000 commands from 50 people as fast as they can type, through the real
handler, real Redis and real RQ workers against the simulator."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis

from bot.ports.reply import Reply
from tests.reliability.helpers import fresh_prefix
from tests.support.testbot import TestBot, identity, running_testbot

PEOPLE, EACH, LIMIT = 50, 20, 15


@pytest.fixture
def bot(testbot_redis: redis.Redis) -> Iterator[TestBot]:
    # Each person's limit is the one under test; all 50 share account acme, whose own limit
    # must not be what answers. The testbot's clock stands still: the minute never ends.
    policy = {"rate_limit_per_minute": LIMIT, "rate_limit_per_account_per_minute": 10_000}
    with running_testbot(testbot_redis, fresh_prefix(), policy=policy) as bot:
        yield bot


def _people(bot: TestBot) -> list[str]:
    people = [f"u{n:02d}" for n in range(PEOPLE)]
    for user in people:
        bot.handler.stores.identities.link(identity(user), "acme")
    return people


def test_a_thousand_commands_are_acked_fast_and_run_exactly_once(bot: TestBot) -> None:
    people = _people(bot)
    # (who, where, what): every command in a channel of its own, so that where the worker
    # posted tells which command it answered.
    commands = [
        (people[i % PEOPLE], f"c{i}", f"/server status {101 + i % 2}") for i in range(PEOPLE * EACH)
    ]

    def ack(command: tuple[str, str, str]) -> tuple[float, Reply]:
        user, channel, line = command
        start = time.perf_counter()
        reply = bot.send(user, line, channel=channel)
        return time.perf_counter() - start, reply

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ack, commands))

    assert max(seconds for seconds, _ in results) < 3.0
    queued = [
        channel for (_, channel, _), (_, r) in zip(commands, results, strict=True)
        if "queued" in r.text
    ]  # fmt: skip
    limited = [r.text for _, r in results if r.text.startswith("slow down")]
    assert len(queued) == PEOPLE * LIMIT
    assert len(limited) == PEOPLE * (EACH - LIMIT)
    assert all(f"at most {LIMIT} commands a minute" in text for text in limited)
    assert len(queued) + len(limited) == len(results)

    bot.settle(timeout=120)

    per_channel = Counter(s.target.channel for s in bot.chat.notified() if s.target)
    assert sorted(per_channel) == sorted(queued)
    assert set(per_channel.values()) == {1}
    events = Counter(e.event for e in bot.handler.stores.audit.recent(limit=100_000))
    assert events["invocation"] == len(results)
    assert events["job.queued"] == len(queued)
    assert events["job.started"] == len(queued)
    assert events["refused"] == len(limited)
