"""Approvals: first decision wins under concurrent clicks, no self-approval, expiry marks
(not deletes), approval enqueues and tells the requester, denial tells the reason.

Through the testbot (tests/support/testbot.py): alice (acme) owns 101 acme-web, 2 cores,
4 GiB of memory and a 32 GiB disk; boss and root are admins; approval cards go to ``admins``."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from bot.store.approvals import ApprovalStore
from jobs.queue import QueueUnavailable
from tests.commands.kit import FailingQueue, new_prefix
from tests.support.chat import Shown
from tests.support.testbot import TestBot, identity, room, running_testbot


def request_resize(bot: TestBot) -> str:
    reply = bot.send("alice", "/server resize 101 cpu=4 memory=8G")
    assert "needs an admin's approval" in reply.text
    assert bot.jobs_created() == 0
    (pending,) = bot.handler.stores.approvals.pending()
    return pending.request.id


def told_requester(bot: TestBot) -> list[str]:
    """What the bot posted where alice asked (her room)."""
    return [s.text for s in bot.posts() if s.channel == room("alice")]


def requester_card(bot: TestBot) -> Shown:
    """The one card posted where alice asked."""
    (card,) = [s for s in bot.posts() if s.channel == room("alice")]
    return card


def reads_now(bot: TestBot, card: Shown) -> str:
    """The card's text as it reads now (title and fields aside)."""
    assert card.message is not None
    return bot.chat.current[card.message].text


def test_a_relative_disk_size_is_shown_as_the_absolute_size_it_asks_for(testbot: TestBot) -> None:
    testbot.send("alice", "/server resize 101 disk=+10G")
    (message,) = [s for s in testbot.posts() if s.channel == "admins"]
    assert [f.value for f in message.reply.fields] == ["disk 32 → 42 GiB"]


def test_the_requester_follows_a_waiting_request_on_its_card(testbot: TestBot) -> None:
    answer = testbot.send("alice", "/server resize 101 cpu=4 memory=8G")
    card = requester_card(testbot)
    assert card.reply.title == "Resize · acme-web (101)"
    asked, state = card.reply.text.splitlines()
    ref = asked.rsplit("#", 1)[1]
    assert asked == f"asked by @alice for acme · #{ref}"
    (pending,) = testbot.handler.stores.approvals.pending()
    until = time.gmtime(pending.request.expires)  # a day after the request, as a moment
    assert pending.request.expires == pytest.approx(testbot.clock.now() + 86400)
    assert state == (
        "⏳ Waiting for an admin's approval until "
        f"{until.tm_mday} {time.strftime('%b %H:%M UTC', until)}"
    )
    assert [f.value for f in card.reply.fields] == ["cores 2 → 4", "memory 4 → 8 GiB"]
    assert answer.text == (
        f"Resize of acme-web (101) needs an admin's approval (#{ref}); its card shows how it goes."
    )
    # The reference names the request before any job exists, and stays its name after.
    assert testbot.send("alice", f"/server task #{ref}").text == (
        f"#{ref} (resize 101 cpu=4 memory=8G) is waiting for an admin's approval; it expires in 1 d"
    )
    assert testbot.send("gina", f"/server task #{ref}").text == f"request #{ref} not found"
    testbot.approve("boss")
    (job,) = testbot.requests().values()
    assert job.ref == ref


def test_the_approved_request_runs_on_the_card_the_requester_already_has(
    testbot: TestBot,
) -> None:
    request_resize(testbot)
    card = requester_card(testbot)
    testbot.approve("boss")
    testbot.settle()

    posts = [s for s in testbot.posts() if s.channel == room("alice")]
    notices = [s for s in posts if s.reply.mention]
    assert [s.message for s in posts if not s.reply.mention] == [card.message]
    assert len(notices) == 1
    assert notices[0].target is not None
    assert notices[0].target.reply_to == card.message
    edits = [s.text for s in testbot.chat.shown if s.how == "edit" and s.message == card.message]
    assert "approved by @boss" in edits[0]
    assert "✓ Done in" in reads_now(testbot, card)


def test_request_is_posted_to_admins_with_cache_before_and_requested_after(
    testbot: TestBot,
) -> None:
    approval_id = request_resize(testbot)
    message, _ = testbot.posts()  # and the requester's card
    assert message.channel == "admins"
    assert [f.value for f in message.reply.fields] == [
        "cores 2 → 4",
        "memory 4 → 8 GiB",
    ]
    assert [(b.action, b.value) for b in message.reply.buttons] == [
        ("approve", approval_id),
        ("deny", approval_id),
    ]
    listed = testbot.send("boss", "/admin approvals")
    assert approval_id in (listed.code or "")


def test_concurrent_approvals_enqueue_exactly_one_job(testbot: TestBot) -> None:
    request_resize(testbot)
    approve = testbot.button("boss", "approve")  # the one card; root sees it in #admins too
    barrier = threading.Barrier(8)
    results: list[str] = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(testbot.click(user, approve).to_clicker.text)

    threads = [threading.Thread(target=click, args=(("boss", "root")[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert testbot.jobs_created() == 1
    assert sum("queued" in r for r in results) == 1
    assert sum("was already approved" in r for r in results) == 7
    (job,) = testbot.requests().values()
    assert (job.kind, job.vmid, job.account) == ("server.resize", 101, "acme")
    assert job.args == {"vmid": 101, "cores": 4, "memory": 8192}
    assert job.approved_by in (identity("boss").key, identity("root").key)
    # The bot posts nothing more for the approval: the worker's card edit will say it.
    assert told_requester(testbot) == [requester_card(testbot).text]
    assert "Waiting for an admin's approval" in reads_now(testbot, requester_card(testbot))


def test_requester_cannot_decide_their_own_request(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    approve = testbot.button("boss", "approve")
    assert testbot.click("alice", approve).to_clicker.text == (
        "only admins can decide approval requests"
    )
    # alice made admin later (the bot restarted on the same Redis and prefix with another
    # admin list): still not her own request to decide
    admins = {"admins_console": frozenset({"alice"})}
    with running_testbot(testbot.client, testbot.prefix, sim=testbot.sim, policy=admins) as again:
        assert again.click("alice", approve).to_clicker.text == (
            "you cannot decide your own request"
        )
        assert again.handler.stores.approvals.get(approval_id).status == "pending"  # type: ignore[union-attr]
        assert again.jobs_created() == 0
        assert testbot.calls == []


def test_expired_request_cannot_be_approved_and_is_marked_expired(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    store: ApprovalStore = testbot.handler.stores.approvals
    testbot.clock.advance(store.ttl + 1)
    reply = testbot.approve("boss", approval_id).to_clicker
    assert reply.text == f"request {approval_id} has expired; nothing was done"
    assert store.get(approval_id).status == "expired"  # type: ignore[union-attr]
    assert testbot.jobs_created() == 0
    assert store.pending() == []
    assert "approval.expired" in testbot.audit_events()
    assert reads_now(testbot, requester_card(testbot)).splitlines()[-2:] == [
        "⌛ Expired: no admin decided within 1 d",
        "Nothing was changed.",
    ]


def test_expire_due_marks_old_requests_when_listing(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    testbot.clock.advance(testbot.handler.stores.approvals.ttl + 1)
    assert testbot.send("boss", "/admin approvals").text == "no pending approval requests"
    assert testbot.handler.stores.approvals.get(approval_id).status == "expired"  # type: ignore[union-attr]
    assert "⌛ Expired" in reads_now(testbot, requester_card(testbot))


def test_denial_tells_the_requester_the_reason(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    result = testbot.deny("boss", approval_id, reason="too big for this plan")
    assert result.replace_message is not None
    assert "Denied by @boss" in result.replace_message.text
    card = requester_card(testbot)
    lines = reads_now(testbot, card).splitlines()
    assert lines[1].startswith("✗ Denied by @boss at ")
    assert lines[2:] == ["Reason: too big for this plan", "Nothing was changed."]
    assert testbot.chat.current[card.message or ""].tone == "warning"
    assert told_requester(testbot) == [card.text]  # edited, nothing posted
    assert testbot.approve("root", approval_id).to_clicker.text.startswith(
        f"request {approval_id} was already denied by @boss"
    )
    assert testbot.jobs_created() == 0


def test_approval_is_reopened_when_the_queue_is_down(testbot_redis: redis.Redis) -> None:
    queue = FailingQueue()
    with running_testbot(testbot_redis, new_prefix(), queue=queue.around) as bot:
        approval_id = request_resize(bot)
        queue.fail_with = QueueUnavailable("down")
        assert (
            bot.approve("boss", approval_id).to_clicker.text
            == "the queue is unavailable, nothing was done"
        )
        assert bot.handler.stores.approvals.get(approval_id).status == "pending"  # type: ignore[union-attr]
        assert bot.jobs_created() == 0
        queue.fail_with = None
        assert "queued" in bot.approve("boss", approval_id).to_clicker.text
        assert bot.jobs_created() == 1


def test_configured_approval_commands_replace_the_defaults(testbot_redis: redis.Redis) -> None:
    only_reboot = {"approval_commands": frozenset({"reboot"})}
    with running_testbot(testbot_redis, new_prefix(), policy=only_reboot) as bot:
        assert "needs an admin's approval" in bot.send("alice", "/server reboot 101").text
        assert "queued" in bot.send("alice", "/server resize 101 cpu=4").text


def test_deny_asks_why_before_anything_is_decided(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    asked = testbot.deny("boss", approval_id, reason=None)
    assert asked.ask_reason is not None
    assert (asked.ask_reason.action, asked.ask_reason.value) == ("deny", approval_id)
    assert asked.replace_message is None
    assert testbot.handler.stores.approvals.get(approval_id).status == "pending"  # type: ignore[union-attr]
    # A form sent back empty asks again; it never denies without a reason.
    assert testbot.deny("boss", approval_id, reason="   ").ask_reason is not None
    assert told_requester(testbot) == [requester_card(testbot).text]
    assert "Waiting for an admin's approval" in reads_now(testbot, requester_card(testbot))
    # A request decided meanwhile is refused at once: nobody writes a reason for nothing.
    testbot.approve("root", approval_id)
    refused = testbot.deny("boss", approval_id, reason=None)
    assert refused.ask_reason is None
    assert refused.to_clicker.text == f"request {approval_id} was already approved by @root"
