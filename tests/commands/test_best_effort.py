"""After a decision is stored or a job enqueued, a failing notifier or audit log must not
turn the answer into an error: the person is told what was actually done."""

from __future__ import annotations

from bot.notify import MessageRef, ReplyTarget
from bot.reply import Reply
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
