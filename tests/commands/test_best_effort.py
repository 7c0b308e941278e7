"""After a decision is stored or a job enqueued, a failing notifier or audit log must not
turn the answer into an error: the person is told what was actually done."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply
from tests.commands.conftest import World


class BrokenNotifier:
    """The chat API is down: every call raises."""

    def __init__(self) -> None:
        self.calls = 0

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        self.calls += 1
        raise RuntimeError("chat API down")

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self.calls += 1
        raise RuntimeError("chat API down")

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self.calls += 1
        raise RuntimeError("chat API down")


def break_notifier(world: World) -> BrokenNotifier:
    broken = BrokenNotifier()
    world.handler.decisions.notifier = broken
    return broken


def test_approval_request_stands_when_the_admin_post_fails(world: World) -> None:
    broken = break_notifier(world)
    reply = world.say("alice", "resize 101 cpu=4")
    assert "needs an admin's approval" in reply.text
    assert broken.calls == 1
    assert len(world.handler.stores.approvals.pending()) == 1


def test_approval_answers_queued_when_telling_the_requester_fails(world: World) -> None:
    world.say("alice", "resize 101 cpu=4")
    (pending,) = world.handler.stores.approvals.pending()
    broken = break_notifier(world)
    result = world.click("boss", "approve", pending.request.id)
    assert "queued" in result.to_clicker.text
    assert result.replace_message is not None
    assert result.replace_message.text.startswith("Approved by @boss")
    assert broken.calls == 1
    assert len(world.queue.submitted) == 1


def test_denial_answers_when_telling_the_requester_fails(world: World) -> None:
    world.say("alice", "resize 101 cpu=4")
    (pending,) = world.handler.stores.approvals.pending()
    broken = break_notifier(world)
    result = world.click("boss", "deny", pending.request.id, reason="too big")
    assert result.to_clicker.text == f"denied request {pending.request.id}"
    assert broken.calls == 1
    assert world.handler.stores.approvals.get(pending.request.id).status == "denied"  # type: ignore[union-attr]


AFTER_COMMIT = {"job.queued", "approval.requested", "approval.approved", "approval.denied"}


def break_audit_after_commit(world: World, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The audit log fails (Redis hiccup) for entries written after the change was made."""
    audit = world.handler.stores.audit
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
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = break_audit_after_commit(world, monkeypatch)
    reply = world.say("alice", "status 101")
    assert len(world.queue.submitted) == 1
    assert reply.tone == "success"
    assert reply.text.endswith("(job job-in-1)")
    assert lost == ["job.queued"]


def test_approval_flow_tells_the_truth_when_audit_entries_fail(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = break_audit_after_commit(world, monkeypatch)
    asked = world.say("alice", "resize 101 cpu=4")
    assert "needs an admin's approval" in asked.text
    (pending,) = world.handler.stores.approvals.pending()
    approved = world.click("boss", "approve", pending.request.id)
    assert "queued" in approved.to_clicker.text
    assert len(world.queue.submitted) == 1
    found = world.handler.stores.approvals.get(pending.request.id)
    assert found is not None
    assert found.status == "approved"  # not reopened: the job exists
    assert lost == ["approval.requested", "approval.approved", "job.queued"]


def test_denial_tells_the_truth_when_its_audit_entry_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = break_audit_after_commit(world, monkeypatch)
    world.say("alice", "resize 101 cpu=4")
    (pending,) = world.handler.stores.approvals.pending()
    denied = world.click("boss", "deny", pending.request.id)
    assert denied.to_clicker.text == f"denied request {pending.request.id}"
    assert lost == ["approval.requested", "approval.denied"]
