"""Approvals: first decision wins under concurrent clicks, no self-approval, expiry marks
(not deletes), approval enqueues and tells the requester, denial tells the reason."""

from __future__ import annotations

import threading
import time

import redis

from bot.store.approvals import ApprovalStore
from jobs.queue import QueueUnavailable
from tests.commands.conftest import World, make_world, settings


def request_resize(world: World) -> str:
    reply = world.say("alice", "resize 101 cpu=4 memory=8G")
    assert "needs an admin's approval" in reply.text
    assert world.queue.submitted == []
    (pending,) = world.handler.stores.approvals.pending()
    return pending.request.id


def test_a_relative_disk_size_is_shown_as_the_absolute_size_it_asks_for(world: World) -> None:
    world.say("alice", "resize 101 disk=+10G")
    ((_, message),) = world.notifier.posts
    assert [f.value for f in message.fields] == ["disk 20 GiB → 30 GiB"]


def test_request_is_posted_to_admins_with_cache_before_and_requested_after(world: World) -> None:
    approval_id = request_resize(world)
    ((target, message),) = world.notifier.posts
    assert target.channel == "admins"
    assert [f.value for f in message.fields] == ["cores 2 → 4", "memory 2048 MiB → 8192 MiB"]
    assert [(b.action, b.value) for b in message.buttons] == [
        ("approve", approval_id),
        ("deny", approval_id),
    ]
    listed = world.say("boss", "approvals", scope="admin")
    assert approval_id in (listed.code or "")


def test_concurrent_approvals_enqueue_exactly_one_job(world: World) -> None:
    approval_id = request_resize(world)
    barrier = threading.Barrier(8)
    results: list[str] = []

    def click(user: str) -> None:
        barrier.wait()
        results.append(world.click(user, "approve", approval_id).to_clicker.text)

    threads = [threading.Thread(target=click, args=(("boss", "root")[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(world.queue.submitted) == 1
    assert sum("queued" in r for r in results) == 1
    assert sum("was already approved" in r for r in results) == 7
    (job,) = world.queue.submitted
    assert (job.kind, job.vmid, job.account) == ("server.resize", 101, "acme")
    assert job.args == {"vmid": 101, "cores": 4, "memory": 8192}
    assert job.approved_by in ("console:ws:boss", "console:ws:root")
    told = [r for t, r in world.notifier.posts if t.channel == "general"]
    assert len(told) == 1
    assert "was approved by" in told[0].text
    assert "task id will appear here" in told[0].text


def test_requester_cannot_decide_their_own_request(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    as_customer = make_world(redis_client, key_prefix)
    approval_id = request_resize(as_customer)
    assert as_customer.click("alice", "approve", approval_id).to_clicker.text == (
        "only admins can decide approval requests"
    )
    # alice made admin later (same Redis, same prefix): still not her own request to decide
    as_admin = make_world(redis_client, key_prefix, settings(admins_console=frozenset({"alice"})))
    assert as_admin.click("alice", "approve", approval_id).to_clicker.text == (
        "you cannot decide your own request"
    )
    assert as_admin.handler.stores.approvals.get(approval_id).status == "pending"  # type: ignore[union-attr]
    assert as_customer.queue.submitted == []
    assert as_admin.queue.submitted == []


def test_expired_request_cannot_be_approved_and_is_marked_expired(world: World) -> None:
    approval_id = request_resize(world)
    store: ApprovalStore = world.handler.stores.approvals
    key = f"{world.prefix}:approval:{approval_id}"
    world.client.hset(key, "expires", repr(time.time() - 1))
    reply = world.click("boss", "approve", approval_id).to_clicker
    assert reply.text == f"request {approval_id} has expired; nothing was done"
    assert store.get(approval_id).status == "expired"  # type: ignore[union-attr]
    assert world.queue.submitted == []
    assert store.pending() == []
    assert "approval.expired" in world.audit_events()


def test_expire_due_marks_old_requests_when_listing(world: World) -> None:
    approval_id = request_resize(world)
    world.client.hset(f"{world.prefix}:approval:{approval_id}", "expires", repr(time.time() - 1))
    world.client.zadd(f"{world.prefix}:approvals:pending", {approval_id: time.time() - 1})
    assert world.say("boss", "approvals", scope="admin").text == "no pending approval requests"
    assert world.handler.stores.approvals.get(approval_id).status == "expired"  # type: ignore[union-attr]


def test_denial_tells_the_requester_the_reason(world: World) -> None:
    approval_id = request_resize(world)
    result = world.click("boss", "deny", approval_id, reason="too big for this plan")
    assert result.replace_message is not None
    assert "Denied by @boss" in result.replace_message.text
    told = [r.text for t, r in world.notifier.posts if t.channel == "general"]
    assert told == [
        f"@alice: your request {approval_id} (/server resize 101 cpu=4 memory=8G) was denied by "
        "@boss: too big for this plan. Nothing was done."
    ]
    assert world.click("root", "approve", approval_id).to_clicker.text.startswith(
        f"request {approval_id} was already denied by console:ws:boss"
    )
    assert world.queue.submitted == []


def test_approval_is_reopened_when_the_queue_is_down(world: World) -> None:
    approval_id = request_resize(world)
    world.queue.fail_with = QueueUnavailable("down")
    assert (
        world.click("boss", "approve", approval_id).to_clicker.text
        == "the queue is unavailable, nothing was done"
    )
    assert world.handler.stores.approvals.get(approval_id).status == "pending"  # type: ignore[union-attr]
    world.queue.fail_with = None
    assert "queued" in world.click("boss", "approve", approval_id).to_clicker.text
    assert len(world.queue.submitted) == 1


def test_configured_approval_commands_replace_the_defaults(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    world = make_world(redis_client, key_prefix, settings(approval_commands=frozenset({"reboot"})))
    assert "needs an admin's approval" in world.say("alice", "reboot 101").text
    assert "queued" in world.say("alice", "resize 101 cpu=4").text
