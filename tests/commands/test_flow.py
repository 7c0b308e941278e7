"""Confirmations, rate limits, busy servers, dry runs, identity, audit, and the two kinds of
errors (a person's, shown; ours, referenced) including Redis being down."""

from __future__ import annotations

import time

import redis

from bot.compose import build_handler
from bot.ports.invocation import Identity, Invocation
from tests.commands.conftest import (
    FakeBusyHolder,
    RecordingNotifier,
    RecordingQueue,
    World,
    make_world,
    settings,
)


def test_destructive_command_needs_the_requesters_confirmation_once(world: World) -> None:
    ask = world.say("alice", "stop web1")
    assert ask.text.startswith("Are you sure? stop server 101 (web1)")
    confirm, cancel = ask.buttons
    assert (confirm.action, cancel.action) == ("confirm", "cancel")
    assert world.queue.submitted == []
    assert world.click("gina", "confirm", confirm.value).to_clicker.text == (
        "only the person who asked can confirm or cancel this"
    )
    result = world.click("alice", "confirm", confirm.value)
    assert "queued" in result.to_clicker.text
    assert world.click("alice", "confirm", confirm.value).to_clicker.text.startswith(
        "this confirmation has expired"
    )
    (job,) = world.queue.submitted
    assert job.args == {"action": "stop", "vmid": 101}


def test_cancel_does_nothing(world: World) -> None:
    ask = world.say("alice", "reset 101")
    result = world.click("alice", "cancel", ask.buttons[1].value)
    assert result.to_clicker.text == "cancelled: /server reset 101; nothing was done"
    assert world.queue.submitted == []


def test_confirmed_rebuild_still_needs_approval(world: World) -> None:
    ask = world.say("alice", "rebuild 101 template=debian-12")
    reply = world.click("alice", "confirm", ask.buttons[0].value).to_clicker
    assert "needs an admin's approval" in reply.text
    assert world.queue.submitted == []


def test_rate_limit_holds_and_says_how_long_to_wait(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    world = make_world(redis_client, key_prefix, settings(rate_limit_per_minute=3))
    replies = [world.say("alice", "list").text for _ in range(5)]
    assert all(r.startswith("3 server") or r.startswith("2 server") for r in replies[:3])
    assert replies[3].startswith("slow down: at most 3 commands a minute; try again in ")
    assert replies[3].endswith(" s")
    wait = int(replies[3].split("try again in ")[1].removesuffix(" s"))
    assert 1 <= wait <= 60
    assert world.say("gina", "list").text.startswith("1 server")  # per identity


def test_busy_server_names_the_holder(world: World) -> None:
    world.busy.held[101] = FakeBusyHolder("job-77", "server.resize", "@bob", time.time() - 40)
    reply = world.say("alice", "reboot 101")
    assert reply.text in {
        f"server 101 is busy: resize started by @bob {s} s ago (job job-77)" for s in (40, 41)
    }
    assert world.queue.submitted == []
    assert "queued" in world.say("alice", "status 101").text  # read-only work is not blocked


def test_dry_run_enqueues_a_plan_only_job_without_confirmation_or_approval(world: World) -> None:
    reply = world.say("alice", "rebuild 101 dry-run=yes")
    assert reply.text.startswith("dry run of rebuild 101 dry-run=yes: the plan will appear here")
    (job,) = world.queue.submitted
    assert job.args == {"vmid": 101, "dry_run": True}


def test_invite_link_whoami_unlink(world: World) -> None:
    code = world.say("boss", "invite acme", scope="admin").text.rsplit(" ", 1)[1]
    assert world.say("carol", f"link {code}", scope="auth").text == (
        "linked: you now manage the servers of account acme"
    )
    assert world.say("dave", f"link {code}", scope="auth").text.startswith(
        "code: expected a valid, unused code"
    )
    assert (
        world.say("carol", "whoami", scope="auth").text
        == "console:ws:carol: linked to account acme"
    )
    assert world.say("carol", "unlink", scope="auth").text == "unlinked from account acme"
    assert "not linked" in world.say("carol", "status 101").text
    assert (
        world.say("boss", "link U77 globex", scope="admin").text
        == "linked console:ws:U77 to account globex"
    )
    assert world.say("U77", "list").fields[0].label == "201"
    assert (
        world.say("boss", "unlink U77", scope="admin").text == "unlinked console:ws:U77 from globex"
    )


def test_audit_has_an_entry_for_every_step(world: World) -> None:
    world.say("alice", "resize 101 cpu=4")
    approval_id = world.handler.stores.approvals.pending()[0].request.id
    world.click("boss", "approve", approval_id)
    ask = world.say("alice", "stop 101")
    world.click("alice", "confirm", ask.buttons[0].value)
    world.say("alice", "status 201")
    assert world.audit_events() == [
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
    approved = world.handler.stores.audit.recent(vmid=101, limit=10)
    queued = [e for e in approved if e.event == "job.queued" and e.approver]
    assert [(e.approver, e.actor) for e in queued] == [("console:ws:boss", "console:ws:boss")]
    shown = world.say("boss", "audit acme", scope="admin").code or ""
    assert "approval.requested console:ws:alice vm=101" in shown


def test_redis_down_says_nothing_was_done() -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    queue = RecordingQueue()
    handler = build_handler(dead, RecordingNotifier(), queue, settings=settings())
    inv = Invocation(
        identity=Identity(platform="console", workspace="ws", user="alice"),
        channel="c",
        scope="server",
        text="reboot 101",
        inbound_id="x",
    )
    assert handler.handle(inv).text == "the queue is unavailable, nothing was done"
    assert queue.submitted == []


def test_unexpected_errors_show_only_a_reference(world: World, caplog: object) -> None:
    world.queue.fail_with = RuntimeError("secret detail")
    reply = world.say("alice", "reboot 101")
    assert reply.text.startswith("something went wrong on our side (reference ")
    assert "secret detail" not in reply.text
