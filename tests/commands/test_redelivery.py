"""A redelivered or replayed inbound event (same Invocation twice) must not create a second
approval request, a second admin post, a second confirmation, or a second job."""

from __future__ import annotations

import re
import time

from bot.ports.notify import ReplyTarget
from bot.store.approvals import ApprovalRequest, ApprovalStore, ConfirmationStore, Creation
from jobs.kinds import SERVER_RESIZE
from jobs.queue import JobRequest
from tests.support.testbot import TestBot, identity, room


def test_redelivered_request_creates_one_approval_and_one_admin_post(testbot: TestBot) -> None:
    invocation = testbot.invocation("alice", "/server resize 101 cpu=4 memory=8G")
    first = testbot.deliver("alice", invocation)
    again = testbot.deliver("alice", invocation)
    assert "needs an admin's approval" in first.text
    assert again == first
    (pending,) = testbot.handler.stores.approvals.pending()
    assert re.fullmatch(r"[0-9a-f]{16}", pending.request.id)
    # One card for the admins, one for alice: the redelivery posts neither again.
    assert [s.channel for s in testbot.posts()] == ["admins", room("alice")]
    assert testbot.audit_events().count("approval.requested") == 1

    testbot.approve("boss", pending.request.id)
    assert testbot.jobs_created() == 1
    # A replay after the decision still answers the same and enqueues nothing new.
    assert testbot.deliver("alice", invocation) == first
    assert testbot.jobs_created() == 1
    assert testbot.handler.stores.approvals.pending() == []


def test_different_inbound_events_get_different_approvals(testbot: TestBot) -> None:
    # Different asks: an identical one is refused while the first waits (test_refuse_early).
    testbot.send("alice", "/server resize 101 cpu=4")
    testbot.send("alice", "/server resize 101 cpu=3")
    assert len({a.request.id for a in testbot.handler.stores.approvals.pending()}) == 2


def test_redelivered_destructive_command_reuses_its_confirmation(testbot: TestBot) -> None:
    invocation = testbot.invocation("alice", "/server stop 101")
    first = testbot.deliver("alice", invocation)
    again = testbot.deliver("alice", invocation)
    assert first.buttons
    assert again == first
    confirmation_id = first.buttons[0].value
    assert re.fullmatch(r"[0-9a-f]{16}", confirmation_id)
    testbot.click("alice", first.buttons[0])
    assert testbot.jobs_created() == 1


def test_create_never_overwrites_an_existing_approval(testbot: TestBot) -> None:
    store: ApprovalStore = testbot.handler.stores.approvals
    alice = identity("alice").key
    approval_id = store.id_for(alice, "in-x")
    assert approval_id == store.id_for(alice, "in-x")
    assert approval_id != store.id_for(identity("gina").key, "in-x")
    now = time.time()
    target = ReplyTarget(
        platform="console", workspace="console", channel=room("alice"), requester="alice"
    )

    def request(summary: str) -> ApprovalRequest:
        job = JobRequest(
            kind=SERVER_RESIZE.name,
            vmid=101,
            args={"vmid": 101, "cores": 4},
            target=target,
            requested_by=alice,
            inbound_id="in-x",
            account="acme",
        )
        return ApprovalRequest(
            id=approval_id,
            job=job,
            requester_name="@alice",
            command="resize",
            text="resize 101 cpu=4",
            summary=summary,
            created=now,
            expires=now + 60,
        )

    assert store.create(request("first")) == Creation(created=True)
    assert store.create(request("second")) == Creation(created=False)
    found = store.get(approval_id)
    assert found is not None
    assert found.request.summary == "first"


def test_confirmation_ids_are_per_person_and_never_overwritten(testbot: TestBot) -> None:
    store: ConfirmationStore = testbot.handler.stores.confirmations
    alice = testbot.invocation("alice", "/server stop 101")
    same_event_other_text = alice.model_copy(update={"text": "stop 102"})
    gina = alice.model_copy(update={"identity": identity("gina")})
    first = store.create(alice)
    assert store.create(same_event_other_text) == first
    kept = store.peek(first)
    assert kept is not None
    assert kept.text == "stop 101"
    assert store.create(gina) != first
