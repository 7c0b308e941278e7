"""Time passing, through the testbot's clock (read by the bot and the worker alike): an hour
is one ``advance`` call, never a sleep. Each test would fail if either process read the wall
clock instead of the injected one."""

from __future__ import annotations

import redis

from tests.support.testbot import TestBot, running_testbot

RESIZE = "/server resize 101 cpu=4 memory=8G"


def test_an_approval_left_past_its_lifetime_cannot_be_approved(testbot: TestBot) -> None:
    testbot.send("alice", RESIZE)
    approve = testbot.button("boss", "approve")
    lifetime = testbot.handler.policy.settings.approval_ttl_seconds

    testbot.clock.advance(lifetime + 1)
    result = testbot.approve("boss", approve.value)
    testbot.settle()

    assert result.to_clicker.text == f"request {approve.value} has expired; nothing was done"
    assert testbot.jobs_created() == 0
    assert testbot.writes() == []
    assert "approval.expired" in testbot.audit_events()


def test_an_approval_still_inside_its_lifetime_runs(testbot: TestBot) -> None:
    testbot.send("alice", RESIZE)
    lifetime = testbot.handler.policy.settings.approval_ttl_seconds

    testbot.clock.advance(lifetime - 60)
    testbot.approve("boss")
    testbot.settle()

    assert "✓ Done in" in testbot.seen_text("alice")


def test_the_pending_list_counts_down_on_the_clock(testbot: TestBot) -> None:
    testbot.send("alice", RESIZE)
    lifetime = testbot.handler.policy.settings.approval_ttl_seconds

    testbot.clock.advance(lifetime - 30 * 60)
    listing = testbot.send("boss", "/admin approvals")

    assert "(expires in 30 min)" in (listing.code or "")


def test_the_rate_limit_window_slides_with_the_clock(testbot_redis: redis.Redis) -> None:
    limits = {"rate_limit_per_minute": 2, "rate_limit_per_account_per_minute": 100}
    with running_testbot(testbot_redis, "tb-clock-rate", policy=limits) as bot:
        for _ in range(2):
            assert bot.send("alice", "/server list").tone == "info"
        refused = bot.send("alice", "/server list")
        bot.clock.advance(59)
        still_refused = bot.send("alice", "/server list")
        bot.clock.advance(2)
        allowed = bot.send("alice", "/server list")

    assert refused.text.startswith("slow down: at most 2 commands a minute")
    assert refused.text.endswith("try again in 60 s")
    assert still_refused.text.endswith("try again in 1 s")
    assert allowed.tone == "info"


def test_the_inventory_age_is_the_worker_clock_seen_by_the_bot(testbot: TestBot) -> None:
    testbot.clock.advance(300)
    listing = testbot.send("alice", "/server list")
    testbot.sync()  # the worker's sync stamps the inventory with its clock
    testbot.clock.advance(42)
    relisted = testbot.send("alice", "/server list")

    assert "inventory from 300 s ago" in listing.text
    assert "inventory from 42 s ago" in relisted.text
