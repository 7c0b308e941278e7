"""Issue 13: 200 reboots at once, through the real Slack path and the real Discord path,
while both platforms rate-limit as they do (Slack: ``chat.postMessage`` and ``chat.update``
about once a second per channel with short bursts; Discord: a fixed window per route and
channel with ``X-RateLimit-*`` headers, and now and then a global limit), answering every
excess with 429 and how long to wait.

Typed by one customer in 40 channels, run by the real RQ worker on real Redis against the
simulator; every fifth server is locked by a backup at first, so its card also shows the
retry and the task before the outcome, and ten reboot tasks fail. Then, from what the
platform itself accepted:

(a) no card was edited more than once in any second (429'd edits are counted apart);
(b) every card's last accepted content is its request's outcome (done, or failed);
(c) every request got exactly one card and exactly one completion notice;
and no request came back before the ``Retry-After`` it was given.
"""

from __future__ import annotations

import asyncio
import faulthandler
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from bot.adapters.discord.cards import CardPlace
from bot.ports.reply import Reply
from tests.support.big_fleet import add_servers
from tests.support.discordbot import DiscordKit, rest_reply, running_discordbot
from tests.support.platforms import ChatKit
from tests.support.rate_limits import History, Ledger, most_in_a_second
from tests.support.slackbot import SlackKit, running_slackbot, slack_reply

REQUESTS = 200
CHANNELS = 40
LOCKED_EVERY = 5
FAILING = 10  # reboot tasks that end in an error
BUDGET = 60.0  # seconds per platform, from the first command to the last message
LOCKED = "VM is locked (backup)"
# The customer may type this fast here; the per-person and per-account limits have tests
# of their own.
POLICY = {"rate_limit_per_minute": 10_000, "rate_limit_per_account_per_minute": 10_000}
_SERVER = re.compile(r"bulk-(\d+) \(\1\)")


@pytest.fixture(params=["slack", "discord-ephemeral", "discord-channel"])
def kit(request: pytest.FixtureRequest, testbot_redis: redis.Redis) -> Iterator[ChatKit[Any]]:
    """Slack channel cards; Discord's default ephemeral cards (each interaction's token a
    bucket of its own) and its channel cards (the bot token's buckets per channel)."""
    prefix = f"rate-{uuid.uuid4().hex[:10]}"
    if request.param == "slack":
        with running_slackbot(testbot_redis, prefix, policy=POLICY, as_worker_runs=True) as chat:
            yield chat
        return
    cards: CardPlace = "ephemeral" if request.param == "discord-ephemeral" else "channel"
    with running_discordbot(
        testbot_redis, prefix, policy=POLICY, as_worker_runs=True, cards=cards
    ) as found:
        yield found


@pytest.fixture(autouse=True)
def bounded() -> Iterator[None]:
    """However the test goes, it ends: past twice its budget (both platforms' setup
    included) the run is stopped with every thread's traceback."""
    faulthandler.dump_traceback_later(4 * BUDGET, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@dataclass
class Seen:
    """What the platform holds for one request."""

    cards: list[History]
    notices: list[History]


def test_200_reboots_under_rate_limits_keep_one_paced_card_each_ending_in_the_outcome(
    kit: ChatKit[Any],
) -> None:
    core = kit.core
    vmids = add_servers(core.sim, REQUESTS, account="acme")
    core.sync()
    for vmid in vmids[::LOCKED_EVERY]:
        core.sim.faults.fail_next(500, LOCKED, method="POST", path=rf"/qemu/{vmid}/status/reboot$")
    for _ in range(FAILING):
        core.sim.faults.fail_next_task("qmreboot", "QEMU guest agent is not running")
    if isinstance(kit, SlackKit):
        kit.api.rate_limit("chat.postMessage", "chat.update", rate=1.0, burst=3)
    else:
        assert isinstance(kit, DiscordKit)
        kit.api.rate_limit(limit=2, per=1.0, global_every=150, global_wait=0.5, others_every=3)

    started = time.monotonic()
    acks = fire(kit, [f"/server reboot {vmid}" for vmid in vmids])
    acked = time.monotonic() - started
    assert all("queued" in text for text in acks), acks
    core.settle(timeout=BUDGET - acked)
    took = time.monotonic() - started

    ledger: Ledger = kit.api.ledger
    seen = by_request(kit, ledger)
    outcomes = outcomes_of(kit)
    assert sorted(seen) == sorted(outcomes) == vmids  # and nothing else was posted
    assert list(outcomes.values()).count("failed") == FAILING
    problems = []
    for vmid, found in sorted(seen.items()):
        if len(found.cards) != 1 or len(found.notices) != 1:  # (c)
            problems.append(f"{vmid}: {len(found.cards)} cards, {len(found.notices)} notices")
            continue
        [card], [notice] = found.cards, found.notices
        if most_in_a_second(card.edits()) > 1:  # (a)
            problems.append(f"{vmid}: edited at {card.edits()}")
        state_line = read(kit, card.last).text.splitlines()[1]
        said = read(kit, notice.last).text
        succeeded = outcomes[vmid] == "succeeded"
        if not state_line.startswith("✓ Done in" if succeeded else "✗ Failed while"):  # (b)
            problems.append(f"{vmid} {outcomes[vmid]}: the card ends with {state_line!r}")
        if ("is done" if succeeded else "did not go through") not in said:
            problems.append(f"{vmid} {outcomes[vmid]}: the notice says {said!r}")
    assert problems == []
    assert ledger.early == []  # nothing came back before its Retry-After

    cards = [c for found in seen.values() for c in found.cards]
    served = sum(1 for _, answer in kit.api.answered if answer.status == 429)
    refused_edits = sum(len(c.refused) for c in cards)
    retried = [c for c in cards if "locked" in "".join(_texts(kit, c))]
    # The limits bit (on Discord globally too), edits included, and pacing had something to
    # pace: cards that showed the lock's retry (not all do: a skipped state is superseded),
    # edited more than once.
    assert served > 0
    assert refused_edits > 0
    assert _global(ledger) > 0 or isinstance(kit, SlackKit)
    assert retried
    assert any(len(c.edits()) >= 2 for c in cards)
    print(
        f"\n{type(kit).__name__}: {REQUESTS} reboots in {took:.1f} s (acked in {acked:.1f} s); "
        f"429s served {served} ({_global(ledger)} global); edits accepted "
        f"{sum(len(c.edits()) for c in cards)}, refused {refused_edits}; most edits of one "
        f"card in a second {max(most_in_a_second(c.edits()) for c in cards)}; "
        f"cards that showed the lock retry {len(retried)}"
    )
    assert took <= BUDGET


def outcomes_of(kit: ChatKit[Any]) -> dict[int, str]:
    """Each server's request, as its chain in Redis ended."""
    chains = kit.core.worker.chains()
    found: dict[int, str] = {}
    for job_id, request in kit.core.requests().items():
        state = chains.get(job_id)
        assert state is not None, job_id
        assert request.vmid is not None, job_id
        found[request.vmid] = state.status
    return found


def fire(kit: ChatKit[Any], lines: list[str]) -> list[str]:
    """Every line typed by alice at once, spread over the channels; the acks' texts."""
    if isinstance(kit, SlackKit):
        slack = kit

        def one(n: int) -> str:
            ack = slack.fire("alice", lines[n], channel=f"CBURST{n % CHANNELS:02d}")
            return slack_reply(ack).text

        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(one, range(len(lines))))
    assert isinstance(kit, DiscordKit)
    discord = kit

    async def everyone() -> list[str]:
        answered = await asyncio.gather(
            *(
                discord.fire("alice", line, channel=7000 + n % CHANNELS)
                for n, line in enumerate(lines)
            )
        )
        return [_interaction_text(i) for i in answered]

    return asyncio.run(everyone())


def by_request(kit: ChatKit[Any], ledger: Ledger) -> dict[int, Seen]:
    """Each message the platform holds, as the card or the notice of the reboot it names."""
    seen: dict[int, Seen] = {}
    for history in ledger.histories.values():
        first = read(kit, history.versions[0][1])
        named = _SERVER.search(f"{first.title or ''} {first.text}")
        assert named is not None, first
        found = seen.setdefault(int(named[1]), Seen([], []))
        is_card = (first.title or "").startswith("Reboot · ")
        (found.cards if is_card else found.notices).append(history)
    return seen


def read(kit: ChatKit[Any], body: dict[str, Any]) -> Reply:
    return slack_reply(body) if isinstance(kit, SlackKit) else rest_reply(body)


def _texts(kit: ChatKit[Any], history: History) -> list[str]:
    return [read(kit, body).text for _, body in history.versions]


def _global(ledger: Ledger) -> int:
    return sum(1 for r in ledger.refusals if r.scope == "global" and r.subject == ("global",))


def _interaction_text(interaction: Any) -> str:
    texts = [str(s.kwargs.get("content") or "") for s in interaction.sent]
    texts += [
        str(e.description or "") for s in interaction.sent for e in s.kwargs.get("embeds") or ()
    ]
    return "\n".join(texts)
