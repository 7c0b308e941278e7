"""A burst: 1,000 commands from 50 people as fast as they can type, through the real
handler, real Redis and real RQ workers against the simulator."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.ports.invocation import Identity, Invocation
from bot.ports.reply import Reply
from tests.reliability.conftest import Stack

PEOPLE, EACH, LIMIT = 50, 20, 15


def _people(stack: Stack) -> list[Identity]:
    people = [
        Identity(platform="console", workspace="console", user=f"u{n:02d}") for n in range(PEOPLE)
    ]
    for who in people:
        stack.handler.stores.identities.link(who, "acme")
    return people


@pytest.mark.parametrize("stack", [{"rate_limit_per_minute": LIMIT}], indirect=True)
def test_a_thousand_commands_are_acked_fast_and_run_exactly_once(stack: Stack) -> None:
    people = _people(stack)
    invocations = [
        Invocation(
            identity=people[i % PEOPLE], display_name="x", channel=f"c{i}", scope="server",
            text=f"status {101 + i % 2}", inbound_id=f"{stack.prefix}-burst-{i}",
        )
        for i in range(PEOPLE * EACH)
    ]  # fmt: skip

    def ack(invocation: Invocation) -> tuple[float, Reply]:
        start = time.perf_counter()
        reply = stack.handler.handle(invocation)
        return time.perf_counter() - start, reply

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ack, invocations))

    assert max(seconds for seconds, _ in results) < 3.0
    queued = [
        inv.channel for inv, (_, r) in zip(invocations, results, strict=True) if "queued" in r.text
    ]
    limited = [r.text for _, r in results if r.text.startswith("slow down")]
    assert len(queued) == PEOPLE * LIMIT
    assert len(limited) == PEOPLE * (EACH - LIMIT)
    assert all(f"at most {LIMIT} commands a minute" in text for text in limited)
    assert len(queued) + len(limited) == len(results)

    stack.run_jobs(lambda: stack.queued() == 0 and _posted(stack) >= len(queued), timeout=120)

    per_channel = Counter(s.target.channel for s in stack.worker_notifier.sent if s.target)
    assert sorted(per_channel) == sorted(queued)
    assert set(per_channel.values()) == {1}
    events = Counter(e.event for e in _all_audit(stack))
    assert events["invocation"] == len(results)
    assert events["job.queued"] == len(queued)
    assert events["job.started"] == len(queued)
    assert events["refused"] == len(limited)


def _posted(stack: Stack) -> int:
    return sum(1 for s in stack.worker_notifier.sent if s.kind == "post")


def _all_audit(stack: Stack) -> list:  # type: ignore[type-arg]
    return stack.audit().recent(limit=100_000)
