"""Every refused button click leaves an audit entry: who clicked, what (the button's action
and value) and why (the refusal they were shown)."""

from __future__ import annotations

import time

import redis

from bot.parser import shown
from bot.ports.audit import AuditEntry
from tests.commands.conftest import FakeBusyHolder, World, make_world, settings


def request_resize(world: World) -> str:
    world.say("alice", "resize 101 cpu=4")
    (pending,) = world.handler.stores.approvals.pending()
    return pending.request.id


def ask_confirmation(world: World, text: str = "stop 101") -> str:
    return world.say("alice", text).buttons[0].value


def refusals(world: World) -> list[AuditEntry]:
    return [e for e in world.handler.stores.audit.recent(limit=500) if e.event == "refused"]


def assert_refused_click(world: World, user: str, action: str, value: str) -> str:
    """Click, and check the one new audit entry matches what the clicker was told."""
    before = len(refusals(world))
    text = world.click(user, action, value).to_clicker.text
    entries = refusals(world)
    assert len(entries) == before + 1
    entry = entries[0]
    assert entry.actor == f"console:ws:{user}"
    assert entry.args == {"action": action, "value": value}
    assert entry.command == f"button {shown(action)} {shown(value)}"
    assert entry.result == text
    assert entry.where == "console:general"
    return text


def test_a_customer_clicking_approve(world: World) -> None:
    approval_id = request_resize(world)
    text = assert_refused_click(world, "alice", "approve", approval_id)
    assert text == "only admins can decide approval requests"


def test_someone_elses_confirm(world: World) -> None:
    confirmation_id = ask_confirmation(world)
    text = assert_refused_click(world, "gina", "confirm", confirmation_id)
    assert text == "only the person who asked can confirm or cancel this"
    assert world.queue.submitted == []


def test_a_self_approval(redis_client: redis.Redis, key_prefix: str) -> None:
    world = make_world(redis_client, key_prefix)
    approval_id = request_resize(world)
    as_admin = make_world(redis_client, key_prefix, settings(admins_console=frozenset({"alice"})))
    text = assert_refused_click(as_admin, "alice", "approve", approval_id)
    assert text == "you cannot decide your own request"


def test_tampered_and_garbage_values(world: World) -> None:
    garbage = "../../etc;rm -rf /\x00" + "x" * 50
    assert assert_refused_click(world, "boss", "approve", "../x") == "no approval request ../x"
    assert assert_refused_click(world, "alice", "confirm", garbage) == (
        "this confirmation has expired or was already used; nothing was done"
    )


def test_a_tampered_value_is_cut_short_in_the_audit(world: World) -> None:
    world.click("boss", "deny", "z" * 5000)
    (entry,) = refusals(world)
    assert entry.args["value"] == "z" * 100
    assert len(entry.command) < 100


def test_an_unknown_action(world: World) -> None:
    text = assert_refused_click(world, "boss", "explode", "101")
    assert text == "unknown button 'explode'"


def test_a_second_click_after_the_decision(world: World) -> None:
    approval_id = request_resize(world)
    assert "queued" in world.click("boss", "approve", approval_id).to_clicker.text
    text = assert_refused_click(world, "root", "deny", approval_id)
    assert text == f"request {approval_id} was already approved by console:ws:boss"


def test_a_second_confirm_after_it_was_used(world: World) -> None:
    confirmation_id = ask_confirmation(world)
    assert "queued" in world.click("alice", "confirm", confirmation_id).to_clicker.text
    text = assert_refused_click(world, "alice", "cancel", confirmation_id)
    assert text == "this confirmation has expired or was already used; nothing was done"


def test_an_expired_confirmation(world: World) -> None:
    confirmation_id = ask_confirmation(world)
    world.client.pexpire(f"{world.prefix}:confirm:{confirmation_id}", 1)
    time.sleep(0.01)
    text = assert_refused_click(world, "alice", "confirm", confirmation_id)
    assert text == "this confirmation has expired or was already used; nothing was done"
    assert world.queue.submitted == []


def test_an_expired_approval(world: World) -> None:
    approval_id = request_resize(world)
    world.client.hset(f"{world.prefix}:approval:{approval_id}", "expires", repr(time.time() - 1))
    text = assert_refused_click(world, "boss", "approve", approval_id)
    assert text == f"request {approval_id} has expired; nothing was done"


def test_a_confirmed_command_refused_on_its_rerun_is_audited_once(world: World) -> None:
    confirmation_id = ask_confirmation(world)
    world.busy.held[101] = FakeBusyHolder("job-1", "server.resize", "console:ws:gina", 0.0)
    result = world.click("alice", "confirm", confirmation_id)
    assert result.to_clicker.text.startswith("server 101 is busy: resize started by")
    assert result.replace_message is None
    (entry,) = refusals(world)
    assert entry.command == "/server stop 101"  # the command's refusal, not a second one
    assert entry.result == result.to_clicker.text
