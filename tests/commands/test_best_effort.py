"""After a decision is stored or a job enqueued, a failing notifier or audit log must not
turn the answer into an error: the person is told what was actually done."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from bot.ports.notify import CardShown, MessageRef, ReplyTarget, post_then
from bot.ports.reply import Button, Reply
from tests.commands.kit import new_prefix
from tests.support.chat import ChatRecorder
from tests.support.testbot import TestBot, room, running_testbot


class ChatApi:
    """The bot's notifier: the chat as the testbot records it, until the test takes the chat
    API down; then every call raises, and is counted."""

    def __init__(self) -> None:
        self.chat = ChatRecorder()
        self.down = False
        self.calls = 0  # while down

    def _check(self) -> None:
        if self.down:
            self.calls += 1
            raise RuntimeError("chat API down")

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        self._check()
        return self.chat.post(target, reply)

    def post_card(self, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
        post_then(self, target, reply, shown)

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._check()
        self.chat.update(ref, reply)

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self._check()
        self.chat.notify_private(target, reply)


@pytest.fixture
def chat_api() -> ChatApi:
    return ChatApi()


@pytest.fixture
def bot(testbot_redis: redis.Redis, chat_api: ChatApi) -> Iterator[TestBot]:
    """A testbot whose notifier is ``chat_api``; what it posts lands in the testbot's own
    recorder while the API is up, so ``button``, ``approve`` and ``seen`` still work."""
    with running_testbot(testbot_redis, new_prefix(), notifier=chat_api) as started:
        chat_api.chat = started.chat
        yield started


def test_approval_request_stands_when_the_admin_post_fails(bot: TestBot, chat_api: ChatApi) -> None:
    chat_api.down = True
    reply = bot.send("alice", "/server resize 101 cpu=4")
    assert "needs an admin's approval" in reply.text
    assert chat_api.calls == 2  # the admins' card and the requester's
    (pending,) = bot.handler.stores.approvals.pending()
    # The requester's card was not posted: once approved, the worker posts one itself.
    chat_api.down = False
    # (the admins' card was lost too: the click an admin would make on a re-posted one)
    bot.click("boss", Button(action="approve", value=pending.request.id, label="Approve"))
    bot.settle()
    cards = [s for s in bot.posts() if s.channel == room("alice") and not s.reply.mention]
    assert [c.reply.title for c in cards] == ["Resize · acme-web (101)"]
    assert "approved by @boss" in cards[0].text


def test_approval_answers_queued_while_the_chat_api_is_down(
    bot: TestBot, chat_api: ChatApi
) -> None:
    bot.send("alice", "/server resize 101 cpu=4")
    (pending,) = bot.handler.stores.approvals.pending()
    chat_api.down = True
    result = bot.approve("boss", pending.request.id)
    assert "queued" in result.to_clicker.text
    assert result.replace_message is not None
    assert result.replace_message.text.startswith("Approved by @boss")
    assert chat_api.calls == 0  # the requester's card is the worker's to edit from here
    assert bot.jobs_created() == 1


def test_denial_answers_when_telling_the_requester_fails(bot: TestBot, chat_api: ChatApi) -> None:
    bot.send("alice", "/server resize 101 cpu=4")
    (pending,) = bot.handler.stores.approvals.pending()
    chat_api.down = True
    result = bot.deny("boss", pending.request.id, reason="too big")
    assert result.to_clicker.text == f"denied request {pending.request.id}"
    assert chat_api.calls == 1
    assert bot.handler.stores.approvals.get(pending.request.id).status == "denied"  # type: ignore[union-attr]


AFTER_COMMIT = {"job.queued", "approval.requested", "approval.approved", "approval.denied"}


def break_audit_after_commit(bot: TestBot, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The audit log fails (Redis hiccup) for entries written after the change was made."""
    audit = bot.handler.stores.audit
    original = audit.record
    lost: list[str] = []

    def record(event: str, **fields: Any) -> None:
        if event in AFTER_COMMIT:
            lost.append(event)
            raise redis.exceptions.ConnectionError("audit write lost")
        original(event, **fields)

    monkeypatch.setattr(audit, "record", record)
    return lost


def test_queued_job_is_reported_queued_when_its_audit_entry_fails(
    testbot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = break_audit_after_commit(testbot, monkeypatch)
    reply = testbot.send("alice", "/server status 101")
    (job_id,) = testbot.requests()
    assert testbot.jobs_created() == 1
    assert reply.tone == "info"
    assert reply.text.endswith(f"(queued as #{testbot.requests()[job_id].ref})")
    assert lost == ["job.queued"]


def test_approval_flow_tells_the_truth_when_audit_entries_fail(
    testbot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = break_audit_after_commit(testbot, monkeypatch)
    asked = testbot.send("alice", "/server resize 101 cpu=4")
    assert "needs an admin's approval" in asked.text
    (pending,) = testbot.handler.stores.approvals.pending()
    approved = testbot.approve("boss", pending.request.id)
    assert "queued" in approved.to_clicker.text
    assert testbot.jobs_created() == 1
    found = testbot.handler.stores.approvals.get(pending.request.id)
    assert found is not None
    assert found.status == "approved"  # not reopened: the job exists
    assert lost == ["approval.requested", "approval.approved", "job.queued"]


def test_denial_tells_the_truth_when_its_audit_entry_fails(
    testbot: TestBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = break_audit_after_commit(testbot, monkeypatch)
    testbot.send("alice", "/server resize 101 cpu=4")
    (pending,) = testbot.handler.stores.approvals.pending()
    denied = testbot.deny("boss", pending.request.id)
    assert denied.to_clicker.text == f"denied request {pending.request.id}"
    assert lost == ["approval.requested", "approval.denied"]
