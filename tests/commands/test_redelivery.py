"""A redelivered or replayed inbound event (same Invocation twice) must not create a second
approval request, a second admin post, a second confirmation, or a second job."""

from __future__ import annotations

import re
import time

from bot.ports.notify import ReplyTarget
from bot.store.approvals import ApprovalRequest, ApprovalStore, ConfirmationStore, Creation
from tests.commands.conftest import World, identity


def test_redelivered_request_creates_one_approval_and_one_admin_post(world: World) -> None:
    invocation = world.invocation("alice", "resize 101 cpu=4 memory=8G")
    first = world.handler.handle(invocation)
    again = world.handler.handle(invocation)
    assert "needs an admin's approval" in first.text
    assert again == first
    (pending,) = world.handler.stores.approvals.pending()
    assert re.fullmatch(r"[0-9a-f]{16}", pending.request.id)
    assert [t.channel for t, _ in world.notifier.posts] == ["admins"]
    assert world.audit_events().count("approval.requested") == 1

    world.click("boss", "approve", pending.request.id)
    assert len(world.queue.submitted) == 1
    # A replay after the decision still answers the same and enqueues nothing new.
    assert world.handler.handle(invocation) == first
    assert len(world.queue.submitted) == 1
    assert world.handler.stores.approvals.pending() == []


def test_different_inbound_events_get_different_approvals(world: World) -> None:
    # Different asks: an identical one is refused while the first waits (test_refuse_early).
    world.say("alice", "resize 101 cpu=4")
    world.say("alice", "resize 101 cpu=3")
    assert len({a.request.id for a in world.handler.stores.approvals.pending()}) == 2


def test_redelivered_destructive_command_reuses_its_confirmation(world: World) -> None:
    invocation = world.invocation("alice", "stop 101")
    first = world.handler.handle(invocation)
    again = world.handler.handle(invocation)
    assert first.buttons
    assert again == first
    confirmation_id = first.buttons[0].value
    assert re.fullmatch(r"[0-9a-f]{16}", confirmation_id)
    world.click("alice", "confirm", confirmation_id)
    assert len(world.queue.submitted) == 1


def test_create_never_overwrites_an_existing_approval(world: World) -> None:
    store: ApprovalStore = world.handler.stores.approvals
    approval_id = store.id_for("console:ws:alice", "in-x")
    assert approval_id == store.id_for("console:ws:alice", "in-x")
    assert approval_id != store.id_for("console:ws:gina", "in-x")
    now = time.time()
    target = ReplyTarget(platform="console", workspace="ws", channel="general", requester="alice")

    def request(summary: str) -> ApprovalRequest:
        return ApprovalRequest(
            id=approval_id,
            requester="console:ws:alice",
            requester_name="@alice",
            account="acme",
            target=target,
            command="resize",
            text="resize 101 cpu=4",
            kind="server.resize",
            vmid=101,
            args={"vmid": 101, "cores": 4},
            summary=summary,
            created=now,
            expires=now + 60,
        )

    assert store.create(request("first")) == Creation(created=True)
    assert store.create(request("second")) == Creation(created=False)
    found = store.get(approval_id)
    assert found is not None
    assert found.request.summary == "first"


def test_confirmation_ids_are_per_person_and_never_overwritten(world: World) -> None:
    store: ConfirmationStore = world.handler.stores.confirmations
    alice = world.invocation("alice", "stop 101")
    same_event_other_text = alice.model_copy(update={"text": "stop 102"})
    gina = alice.model_copy(update={"identity": identity("gina")})
    first = store.create(alice)
    assert store.create(same_event_other_text) == first
    kept = store.peek(first)
    assert kept is not None
    assert kept.text == "stop 101"
    assert store.create(gina) != first
