"""A customer asking about a server they do not own gets the answer for a nonexistent one,
and nothing is enqueued; admin commands refuse non-admins.

Through the testbot: alice (acme) owns 101 acme-web and 102 acme-db; 103 globex-app is
gina's (globex); the fleet also holds the templates 9000 and 9001; boss is an admin."""

from __future__ import annotations

import pytest
import redis

from bot.commands import build_registry
from bot.commands.registry import Command
from bot.ports.invocation import Identity
from tests.commands.kit import new_prefix
from tests.support.testbot import TestBot, identity, room, running_testbot

REGISTRY = build_registry()
SERVER_COMMANDS = [c for c in REGISTRY.in_scope("server") if c.server_arg is not None]


def text_for(bot: TestBot, command: Command, vm: str) -> str:
    """``/server <command> <vm>`` with the arguments it needs; a backup named like one of
    ``vm`` (globex's real backup of 103 when ``vm`` is a name)."""
    words = [f"/server {command.name}", vm]
    if command.name in ("backup restore", "backup delete"):
        theirs = bot.sim.backups(103)[0].volid
        words.append(theirs.replace("-qemu-103-", f"-qemu-{vm}-") if vm.isdigit() else theirs)
    if command.name == "resize":
        words.append("cpu=4")
    return " ".join(words)


@pytest.mark.parametrize("command", SERVER_COMMANDS, ids=lambda c: c.name)
@pytest.mark.parametrize("dry_run", [False, True])
def test_not_owned_is_answered_like_nonexistent_and_nothing_is_enqueued(
    testbot: TestBot, command: Command, dry_run: bool
) -> None:
    suffix = " dry-run=yes" if dry_run and command.mutating else ""
    not_owned = testbot.send("alice", text_for(testbot, command, "103") + suffix)
    missing = testbot.send("alice", text_for(testbot, command, "999") + suffix)
    by_name = testbot.send("alice", text_for(testbot, command, "globex-app") + suffix)
    assert not_owned.text == "server 103 not found"
    assert missing.text == "server 999 not found"
    assert by_name.text == "server globex-app not found"
    assert not_owned.model_dump(exclude={"text"}) == missing.model_dump(exclude={"text"})
    assert testbot.jobs_created() == 0
    assert testbot.calls == []
    assert testbot.posts() == []


def test_owned_server_is_enqueued_with_the_account(testbot: TestBot) -> None:
    reply = testbot.send("alice", "/server reboot acme-web")
    assert "queued" in reply.text
    (request,) = testbot.requests().values()
    assert (request.kind, request.vmid, request.account) == ("server.power", 101, "acme")
    assert request.args == {"action": "reboot", "vmid": 101}
    assert request.target.channel == room("alice")


def test_list_shows_only_own_servers(testbot: TestBot) -> None:
    fields = testbot.send("alice", "/server list").fields
    assert [f.label for f in fields] == ["101", "102"]
    everything = [f.label for f in testbot.send("boss", "/server list").fields]
    assert everything == ["101", "102", "103", "9000", "9001"]


def test_an_unlinked_user_may_read_the_help(testbot: TestBot) -> None:
    reply = testbot.send("mallory", "/server help resize")
    assert "/server resize <vm>" in reply.plain()
    assert testbot.send("mallory", "/admin help").text == "/admin help is for admins only"


def test_unlinked_user_is_refused(testbot: TestBot) -> None:
    reply = testbot.send("mallory", "/server status 101")
    assert "not linked to an account" in reply.text
    assert testbot.jobs_created() == 0
    assert testbot.calls == []


@pytest.mark.parametrize("command", REGISTRY.in_scope("admin"), ids=lambda c: c.name)
def test_admin_commands_refuse_non_admins(testbot: TestBot, command: Command) -> None:
    for user in ("alice", "mallory"):
        reply = testbot.send(user, f"/admin {command.examples[0]}")
        assert reply.text == f"/admin {command.name} is for admins only"
    assert testbot.jobs_created() == 0
    assert testbot.calls == []


def test_admin_runs_client_commands_on_any_server_without_approval(testbot: TestBot) -> None:
    reply = testbot.send("boss", "/server resize 103 cpu=8")
    assert "queued" in reply.text
    (request,) = testbot.requests().values()
    assert request.args == {"vmid": 103, "cores": 8}
    assert request.account is None


def test_discord_admin_role_grants_admin(testbot_redis: redis.Redis) -> None:
    roles = {"admin_roles_discord": frozenset({"R1"})}
    with running_testbot(testbot_redis, new_prefix(), policy=roles) as bot:
        u9 = Identity(platform="discord", workspace="g1", user="u9")
        plain = bot.invocation("u9", "/admin node list", as_identity=u9)
        assert "for admins only" in bot.deliver("u9", plain).text
        with_role = bot.invocation(
            "u9", "/admin node list", as_identity=u9, roles=frozenset({"R1"})
        )
        assert bot.deliver("u9", with_role).text == "3 node(s)"


def test_admin_commands_are_refused_in_direct_messages(testbot: TestBot) -> None:
    in_dm = testbot.invocation("boss", "/admin node list", direct_message=True)
    assert testbot.deliver("boss", in_dm).text == (
        "/admin node list cannot be used in a direct message"
    )
    assert testbot.send("boss", "/admin node list").text == "3 node(s)"
    client_in_dm = testbot.invocation("alice", "/server status 101", direct_message=True)
    assert "queued" in testbot.deliver("alice", client_in_dm).text


def test_autocomplete_offers_only_own_servers(testbot: TestBot) -> None:
    choices = testbot.handler.complete_server(identity("alice"), frozenset(), "")
    assert [c.value for c in choices] == ["101", "102"]
    assert testbot.handler.complete_server(identity("alice"), frozenset(), "glo") == []
    assert [
        c.value for c in testbot.handler.complete_server(identity("boss"), frozenset(), "glo")
    ] == ["103"]
