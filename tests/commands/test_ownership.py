"""A customer asking about a server they do not own gets the answer for a nonexistent one,
and nothing is enqueued; admin commands refuse non-admins."""

from __future__ import annotations

import pytest
import redis

from bot.commands import build_registry
from bot.commands.registry import Command
from bot.ports.invocation import Identity, Invocation
from tests.commands.conftest import World, identity, make_world, settings

REGISTRY = build_registry()
SERVER_COMMANDS = [c for c in REGISTRY.in_scope("server") if c.server_arg is not None]
BACKUP = "local:backup/vzdump-qemu-{vm}-2024_05_01-03_00_00.vma.zst"


def text_for(command: Command, vm: str) -> str:
    words = [command.name, vm]
    if command.name in ("backup restore", "backup delete"):
        words.append(BACKUP.format(vm=vm if vm.isdigit() else 101))
    if command.name == "resize":
        words.append("cpu=4")
    return " ".join(words)


@pytest.mark.parametrize("command", SERVER_COMMANDS, ids=lambda c: c.name)
@pytest.mark.parametrize("dry_run", [False, True])
def test_not_owned_is_answered_like_nonexistent_and_nothing_is_enqueued(
    world: World, command: Command, dry_run: bool
) -> None:
    suffix = " dry-run=yes" if dry_run and command.mutating else ""
    not_owned = world.say("alice", text_for(command, "201") + suffix)
    missing = world.say("alice", text_for(command, "999") + suffix)
    by_name = world.say("alice", text_for(command, "shop") + suffix)
    assert not_owned.text == "server 201 not found"
    assert missing.text == "server 999 not found"
    assert by_name.text == "server shop not found"
    assert not_owned.model_dump(exclude={"text"}) == missing.model_dump(exclude={"text"})
    assert world.queue.submitted == []
    assert world.notifier.posts == []


def test_owned_server_is_enqueued_with_the_account(world: World) -> None:
    reply = world.say("alice", "reboot web1")
    assert "queued" in reply.text
    (request,) = world.queue.submitted
    assert (request.kind, request.vmid, request.account) == ("server.power", 101, "acme")
    assert request.args == {"action": "reboot", "vmid": 101}
    assert request.target.channel == "general"


def test_list_shows_only_own_servers(world: World) -> None:
    fields = world.say("alice", "list").fields
    assert [f.label for f in fields] == ["101", "102"]
    assert [f.label for f in world.say("boss", "list").fields] == ["101", "102", "201"]


def test_an_unlinked_user_may_read_the_help(world: World) -> None:
    reply = world.say("mallory", "help resize")
    assert "/server resize <vm>" in reply.plain()
    assert world.say("mallory", "help", scope="admin").text == "/admin help is for admins only"


def test_unlinked_user_is_refused(world: World) -> None:
    reply = world.say("mallory", "status 101")
    assert "not linked to an account" in reply.text
    assert world.queue.submitted == []


@pytest.mark.parametrize("command", REGISTRY.in_scope("admin"), ids=lambda c: c.name)
def test_admin_commands_refuse_non_admins(world: World, command: Command) -> None:
    for user in ("alice", "mallory"):
        reply = world.say(user, command.examples[0], scope="admin")
        assert reply.text == f"/admin {command.name} is for admins only"
    assert world.queue.submitted == []


def test_admin_runs_client_commands_on_any_server_without_approval(world: World) -> None:
    reply = world.say("boss", "resize 201 cpu=8")
    assert "queued" in reply.text
    (request,) = world.queue.submitted
    assert request.args == {"vmid": 201, "cores": 8}
    assert request.account is None


def test_discord_admin_role_grants_admin(redis_client: redis.Redis, key_prefix: str) -> None:
    world = make_world(redis_client, key_prefix, settings(admin_roles_discord=frozenset({"R1"})))
    ident = Identity(platform="discord", workspace="g1", user="u9")
    base = {
        "identity": ident,
        "channel": "c",
        "scope": "admin",
        "text": "node list",
        "inbound_id": "i1",
    }
    assert "for admins only" in world.handler.handle(Invocation(**base)).text
    allowed = world.handler.handle(Invocation(**base, roles=frozenset({"R1"})))
    assert allowed.text == "2 node(s)"


def test_admin_commands_are_refused_in_direct_messages(world: World) -> None:
    base = world.invocation("boss", "node list", scope="admin")
    in_dm = world.handler.handle(base.model_copy(update={"is_direct_message": True}))
    assert in_dm.text == "/admin node list cannot be used in a direct message"
    assert world.handler.handle(base).text == "2 node(s)"
    client_in_dm = world.invocation("alice", "status 101").model_copy(
        update={"is_direct_message": True}
    )
    assert "queued" in world.handler.handle(client_in_dm).text


def test_autocomplete_offers_only_own_servers(world: World) -> None:
    choices = world.handler.complete_server(identity("alice"), frozenset(), "")
    assert [c.value for c in choices] == ["101", "102"]
    assert world.handler.complete_server(identity("alice"), frozenset(), "sho") == []
    assert [
        c.value for c in world.handler.complete_server(identity("boss"), frozenset(), "sho")
    ] == ["201"]
