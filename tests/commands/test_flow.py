"""Confirmations, rate limits, busy servers, dry runs, identity, audit, and the two kinds of
errors (a person's, shown; ours, referenced) including Redis being down.

Through the testbot: alice (acme) owns 101 acme-web and 102 acme-db, gina (globex) owns 103
globex-app, boss and root are admins."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.compose import bot_redis
from tests.commands.kit import FailingQueue, hold_busy_lock, new_prefix
from tests.support.redis_server import RedisServer
from tests.support.testbot import TestBot, identity, running_testbot


def test_destructive_command_needs_the_requesters_confirmation_once(testbot: TestBot) -> None:
    ask = testbot.send("alice", "/server stop acme-web")
    assert ask.text.startswith("Are you sure? stop server 101 (acme-web)")
    confirm, cancel = ask.buttons
    assert (confirm.action, cancel.action) == ("confirm", "cancel")
    assert testbot.jobs_created() == 0
    assert testbot.click("gina", confirm).to_clicker.text == (
        "only the person who asked can confirm or cancel this"
    )
    result = testbot.click("alice", confirm)
    assert "queued" in result.to_clicker.text
    assert testbot.click("alice", confirm).to_clicker.text.startswith(
        "this confirmation has expired"
    )
    (job,) = testbot.requests().values()
    assert job.args == {"action": "stop", "vmid": 101}


def test_cancel_does_nothing(testbot: TestBot) -> None:
    ask = testbot.send("alice", "/server reset 101")
    result = testbot.click("alice", ask.buttons[1])
    assert result.to_clicker.text == "cancelled: /server reset 101; nothing was done"
    assert testbot.jobs_created() == 0
    assert testbot.calls == []


def test_confirmed_rebuild_still_needs_approval(testbot: TestBot) -> None:
    testbot.send("alice", "/server rebuild 101 template=debian-12")
    reply = testbot.confirm("alice")
    assert "needs an admin's approval" in reply.text
    assert testbot.jobs_created() == 0


def test_rate_limit_holds_and_says_how_long_to_wait(testbot_redis: redis.Redis) -> None:
    with running_testbot(testbot_redis, new_prefix(), policy={"rate_limit_per_minute": 3}) as bot:
        replies = [bot.send("alice", "/server list").text for _ in range(5)]
        assert all(r.startswith("2 server") for r in replies[:3])
        # the testbot's clock stands still: the whole window is still to wait
        assert replies[3] == "slow down: at most 3 commands a minute; try again in 60 s"
        bot.clock.advance(45)
        later = bot.send("alice", "/server list").text
        assert later == "slow down: at most 3 commands a minute; try again in 15 s"
        assert bot.send("gina", "/server list").text.startswith("1 server")  # per identity


def test_busy_server_names_the_holder(testbot: TestBot) -> None:
    hold_busy_lock(testbot, 101, kind="server.resize", requester="@bob", job_id="job-77", age=40)
    reply = testbot.send("alice", "/server reboot 101")
    assert reply.text == "server 101 is busy: resize started by @bob 40 s ago"
    assert testbot.jobs_created() == 0
    # read-only work is not blocked
    assert "queued" in testbot.send("alice", "/server status 101").text
    assert [r.kind for r in testbot.requests().values()] == ["server.status"]


def test_dry_run_enqueues_a_plan_only_job_without_confirmation_or_approval(
    testbot: TestBot,
) -> None:
    reply = testbot.send("alice", "/server rebuild 101 dry-run=yes")
    assert reply.text.startswith("Working out the plan for rebuild 101 dry-run=yes (queued as #")
    assert reply.text.endswith("; nothing changes")
    assert reply.buttons == ()
    assert testbot.handler.stores.approvals.pending() == []
    (job,) = testbot.requests().values()
    assert job.args == {"vmid": 101, "dry_run": True}


def test_invite_link_whoami_unlink(testbot: TestBot) -> None:
    code = testbot.send("boss", "/admin invite acme").text.rsplit(" ", 1)[1]
    assert testbot.send("carol", f"/auth link {code}").text == (
        "linked: you now manage the servers of account acme"
    )
    assert testbot.send("dave", f"/auth link {code}").text.startswith(
        "code: expected a valid, unused code"
    )
    assert testbot.send("carol", "/auth whoami").text == "@carol: linked to account acme"
    assert testbot.send("carol", "/auth unlink").text == "unlinked from account acme"
    assert "not linked" in testbot.send("carol", "/server status 101").text
    assert testbot.send("boss", "/admin link U77 globex").text == ("linked @U77 to account globex")
    assert testbot.send("U77", "/server list").fields[0].label == "103"
    assert testbot.send("boss", "/admin unlink U77").text == "unlinked @U77 from globex"


def test_audit_has_an_entry_for_every_step(testbot: TestBot) -> None:
    testbot.send("alice", "/server resize 101 cpu=4")
    testbot.approve("boss")
    testbot.send("alice", "/server stop 101")
    testbot.confirm("alice")
    testbot.send("alice", "/server status 103")  # globex's: refused
    assert testbot.audit_events() == [
        "invocation",
        "approval.requested",
        "approval.approved",
        "job.queued",
        "invocation",
        "confirmed",
        "job.queued",
        "invocation",
        "refused",
    ]
    approved = testbot.handler.stores.audit.recent(vmid=101, limit=10)
    queued = [e for e in approved if e.event == "job.queued" and e.approver]
    boss = identity("boss").key
    assert [(e.approver, e.actor) for e in queued] == [(boss, boss)]
    shown = testbot.send("boss", "/admin audit acme").code or ""
    assert "approval.requested @alice vm=101" in shown  # a name, never the identity key


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, to stop: the suite's one is shared."""
    server = RedisServer().start()
    yield server
    server.stop()


def test_redis_down_says_nothing_was_done(own_redis: RedisServer) -> None:
    client = bot_redis(own_redis.url)  # the bot process's client: no retries, short waits
    with running_testbot(client, new_prefix()) as bot:
        own_redis.stop()
        assert bot.send("alice", "/server reboot 101").text == (
            "the queue is unavailable, nothing was done"
        )
        own_redis.start()  # the same data directory: what was written before is back (AOF)
        assert bot.handler.stores.identities.account_of(identity("alice")) == "acme"
        assert bot.jobs_created() == 0
        assert bot.calls == []
    client.close()


def test_unexpected_errors_show_only_a_reference(
    testbot_redis: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    queue = FailingQueue()
    queue.fail_with = RuntimeError("secret detail")
    with running_testbot(testbot_redis, new_prefix(), queue=queue.around) as bot:
        reply = bot.send("alice", "/server reboot 101")
    assert reply.text.startswith("something went wrong on our side (reference ")
    assert "secret detail" not in reply.text
    reference = reply.text.rsplit(" ", 1)[1].rstrip(")")
    assert f"(ref {reference})" in caplog.text  # the detail is logged, under the reference
    assert "secret detail" in caplog.text
