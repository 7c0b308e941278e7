"""Slash commands through the real discord.py tree generated from the real registry, with a
hand-written handler: what the handler receives and what Discord is sent back."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.adapters.discord.bot import JotunheimBot
from bot.adapters.discord.catalog import default_specs
from bot.adapters.discord.gateway import Gateway
from tests.support.discord_fakes import (
    ADMIN_ROLE,
    CHANNEL,
    GUILD,
    OTHER_GUILD,
    FakeMember,
    FakeUser,
    run_autocomplete,
    run_command,
)
from tests.support.discordbot import Picked, run_command_picking
from tests.support.fake_handler import FakeHandler

CUSTOMER = FakeMember(42, "cust")
OTHER_CUSTOMER = FakeMember(43, "other")
ADMIN = FakeMember(7, "boss", roles=(ADMIN_ROLE,))


@pytest.fixture
def handler() -> FakeHandler:
    servers = {"42": [(101, "web1"), (102, "db1")], "43": [(201, "shop")]}
    return FakeHandler(servers)


@pytest.fixture
def bot(handler: FakeHandler) -> JotunheimBot:
    gateway = Gateway(handler, guild_ids=[GUILD], defer_after=0.5)
    return JotunheimBot(gateway, default_specs(), application_id=99, guild_ids=[GUILD])


def test_tree_has_typed_options_from_the_registry(bot: JotunheimBot) -> None:
    commands = {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}
    assert set(commands) == {"server", "admin", "auth"}
    assert commands["admin"]["contexts"] == [0]  # guilds only
    assert sorted(commands["server"]["contexts"]) == [0, 1]  # guilds and DMs
    resize = next(o for o in commands["server"]["options"] if o["name"] == "resize")
    by_name = {o["name"]: o for o in resize["options"]}
    assert by_name["vm"]["autocomplete"] is True
    assert by_name["vm"]["required"] is True
    assert (by_name["cpu"]["type"], by_name["cpu"]["min_value"], by_name["cpu"]["max_value"]) == (
        4,
        1,
        64,
    )
    assert by_name["dry-run"]["type"] == 5
    for name in ("link", "unlink"):
        command = next(o for o in commands["admin"]["options"] if o["name"] == name)
        [user] = [o for o in command["options"] if o["name"] == "user"]
        assert (user["type"], user["required"]) == (6, True)  # a member picker


def test_customer_resize_is_answered_ephemerally_and_asks_for_approval(
    bot: JotunheimBot, handler: FakeHandler
) -> None:
    values = {"vm": "101", "memory": "8G", "cpu": 4}
    interaction = asyncio.run(run_command(bot, "server", ["resize"], values, user=CUSTOMER))

    [invocation] = handler.invocations
    assert invocation.scope == "server"
    assert invocation.text == "resize 101 cpu=4 memory=8G"  # declaration order, canonical
    assert invocation.identity.key == f"discord:{GUILD}:42"
    assert invocation.channel == str(CHANNEL)
    assert invocation.inbound_id == f"discord:{interaction.id}"
    assert invocation.roles == frozenset({str(GUILD)})
    assert not invocation.is_direct_message
    [sent] = interaction.sent
    assert (sent.method, sent.kwargs["ephemeral"]) == ("send_message", True)
    assert "approval" in sent.text
    assert len(handler.approval_posts) == 1


def test_nested_subcommand_and_boolean_render_to_text(
    bot: JotunheimBot, handler: FakeHandler
) -> None:
    values = {"vm": "web1", "note": "before upgrade", "dry-run": True}
    asyncio.run(run_command(bot, "server", ["backup", "create"], values, user=CUSTOMER))
    assert handler.invocations[0].text == "backup create web1 note='before upgrade' dry-run=yes"


PICKS = {
    "a member, resolved": Picked(77, "carol"),
    "a bare id, unresolved": Picked(77, "carol", resolved=False),  # a discord.Object
}


@pytest.mark.parametrize("pick", PICKS)
def test_a_picked_user_reaches_the_handler_as_their_id(
    bot: JotunheimBot, handler: FakeHandler, pick: str
) -> None:
    values = {"user": PICKS[pick], "account": "acme"}
    asyncio.run(run_command_picking(bot, "admin", ["link"], values, user=ADMIN))
    asyncio.run(run_command_picking(bot, "admin", ["unlink"], {"user": PICKS[pick]}, user=ADMIN))

    assert [i.text for i in handler.invocations] == ["link 77 acme", "unlink 77"]


def test_public_reply_is_not_ephemeral(bot: JotunheimBot, handler: FakeHandler) -> None:
    interaction = asyncio.run(run_command(bot, "server", ["list"], {}, user=CUSTOMER))
    [sent] = interaction.sent
    assert (sent.method, sent.kwargs["ephemeral"], sent.text) == ("send_message", False, "ok: list")


def test_slow_handler_is_deferred_then_answered_by_followup(
    bot: JotunheimBot, handler: FakeHandler
) -> None:
    handler.delay = 0.8  # longer than defer_after=0.5
    interaction = asyncio.run(run_command(bot, "server", ["status"], {"vm": "101"}, user=CUSTOMER))
    methods = [(s.method, s.kwargs.get("ephemeral")) for s in interaction.sent]
    assert methods == [("defer", True), ("followup.send", False)]


def test_handler_failure_still_answers(bot: JotunheimBot, handler: FakeHandler) -> None:
    handler.fail = True
    interaction = asyncio.run(run_command(bot, "server", ["list"], {}, user=CUSTOMER))
    [sent] = interaction.sent
    assert sent.kwargs["ephemeral"] is True
    assert "went wrong" in sent.text


def test_unconfigured_guild_is_refused_before_the_handler(
    bot: JotunheimBot, handler: FakeHandler
) -> None:
    interaction = asyncio.run(
        run_command(bot, "server", ["list"], {}, user=CUSTOMER, guild_id=OTHER_GUILD)
    )
    assert handler.invocations == []
    [sent] = interaction.sent
    assert sent.kwargs["ephemeral"] is True
    assert "not available" in sent.text


def test_dm_admin_command_reaches_policy_as_dm_and_is_refused(
    bot: JotunheimBot, handler: FakeHandler
) -> None:
    interaction = asyncio.run(
        run_command(bot, "admin", ["approvals"], {}, user=FakeUser(7), guild_id=None)
    )
    [invocation] = handler.invocations
    assert invocation.is_direct_message
    assert invocation.scope == "admin"
    assert invocation.identity.workspace == "dm"
    assert invocation.roles == frozenset()
    [sent] = interaction.sent
    assert sent.kwargs["ephemeral"] is True
    assert "not available in direct messages" in sent.text


def test_dm_client_command_is_passed_through(bot: JotunheimBot, handler: FakeHandler) -> None:
    asyncio.run(run_command(bot, "auth", ["whoami"], {}, user=FakeUser(42), guild_id=None))
    [invocation] = handler.invocations
    assert (invocation.scope, invocation.text, invocation.is_direct_message) == (
        "auth",
        "whoami",
        True,
    )


def test_autocomplete_offers_only_the_invokers_servers(
    bot: JotunheimBot, handler: FakeHandler
) -> None:
    interaction = asyncio.run(
        run_autocomplete(bot, "server", ["resize"], {"vm": "we"}, "vm", user=CUSTOMER)
    )
    [sent] = interaction.sent
    assert sent.method == "autocomplete"
    assert [(c.name, c.value) for c in sent.kwargs["choices"]] == [("101 web1", "101")]
    identity, _, typed = handler.completions[0]
    assert (identity.user, typed) == ("42", "we")

    other = asyncio.run(
        run_autocomplete(bot, "server", ["resize"], {"vm": ""}, "vm", user=OTHER_CUSTOMER)
    )
    assert [c.value for c in other.sent[0].kwargs["choices"]] == ["201"]


def test_autocomplete_caps_at_25(bot: JotunheimBot, handler: FakeHandler) -> None:
    handler.servers["42"] = [(100 + n, f"vm{n}") for n in range(60)]
    handler.cap = 100  # the handler over-delivers; Discord refuses more than 25 choices
    interaction = asyncio.run(
        run_autocomplete(bot, "server", ["status"], {"vm": ""}, "vm", user=CUSTOMER)
    )
    assert len(interaction.sent[0].kwargs["choices"]) == 25


def test_autocomplete_in_unconfigured_guild_is_empty(
    bot: JotunheimBot, handler: FakeHandler
) -> None:
    interaction = asyncio.run(
        run_autocomplete(
            bot, "server", ["status"], {"vm": ""}, "vm", user=CUSTOMER, guild_id=OTHER_GUILD
        )
    )
    assert interaction.sent[0].kwargs["choices"] == []
    assert handler.completions == []


def test_client_has_no_gateway_intents(bot: JotunheimBot) -> None:
    assert bot.intents.value == discord.Intents.none().value
