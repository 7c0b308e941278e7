"""Approval buttons: dynamic items recognised from their custom_id by a freshly started
client (as after a restart), a click reaches the handler, the message is edited once."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.adapters.discord.bot import JotunheimBot
from bot.adapters.discord.buttons import HandlerButton, view_of
from bot.adapters.discord.catalog import default_specs
from bot.adapters.discord.gateway import Gateway
from bot.adapters.discord.render import custom_id
from tests.support.discord_fakes import (
    ADMIN_ROLE,
    GUILD,
    OTHER_GUILD,
    FakeMember,
    FakeMessage,
    click,
)
from tests.support.fake_handler import FakeHandler, approval_request

ADMIN = FakeMember(7, "boss", roles=(ADMIN_ROLE,))
CUSTOMER = FakeMember(42, "cust")
APPROVE = custom_id(approval_request("req1").buttons[0])


def fresh_bot(handler: FakeHandler) -> JotunheimBot:
    """A new client, as after a restart: nothing but the registered item class is known."""
    gateway = Gateway(handler, guild_ids=[GUILD], defer_after=0.5)
    return JotunheimBot(gateway, default_specs(), application_id=99, guild_ids=[GUILD])


@pytest.fixture
def handler() -> FakeHandler:
    return FakeHandler(admins=frozenset({str(ADMIN_ROLE)}))


@pytest.fixture
def message() -> FakeMessage:
    return FakeMessage(777, approval_request("req1"))


def test_approve_reaches_handler_once_and_edits_message(
    handler: FakeHandler, message: FakeMessage
) -> None:
    interaction = asyncio.run(click(fresh_bot(handler), message, APPROVE, user=ADMIN))

    [received] = handler.clicks
    assert (received.action, received.value) == ("approval.approve", "req1")
    assert received.message_id == "777"
    assert received.identity.key == f"discord:{GUILD}:7"
    assert str(ADMIN_ROLE) in received.roles
    assert handler.jobs == ["job-req1"]
    edit, note = interaction.sent
    assert edit.method == "edit_message"
    assert edit.text == "Approved by @boss"
    view = edit.kwargs["view"]
    assert [(b.label, b.disabled) for b in view.children] == [
        ("Approve", True),
        ("Deny", True),
    ]
    assert (note.method, note.kwargs["ephemeral"]) == ("followup.send", True)


def test_second_click_changes_nothing(handler: FakeHandler, message: FakeMessage) -> None:
    bot = fresh_bot(handler)
    asyncio.run(click(bot, message, APPROVE, user=ADMIN))
    again = asyncio.run(click(bot, message, APPROVE, user=FakeMember(8, "b2", (ADMIN_ROLE,))))
    assert handler.jobs == ["job-req1"]
    [sent] = again.sent
    assert sent.method == "send_message"
    assert sent.text == "Already approved."
    assert sent.kwargs["ephemeral"] is True


def test_non_admin_click_is_refused(handler: FakeHandler, message: FakeMessage) -> None:
    interaction = asyncio.run(click(fresh_bot(handler), message, APPROVE, user=CUSTOMER))
    assert handler.jobs == []
    [sent] = interaction.sent
    assert sent.method == "send_message"
    assert sent.kwargs["ephemeral"] is True
    assert "Only admins" in sent.text


def test_click_from_unconfigured_guild_is_refused(
    handler: FakeHandler, message: FakeMessage
) -> None:
    interaction = asyncio.run(
        click(fresh_bot(handler), message, APPROVE, user=ADMIN, guild_id=OTHER_GUILD)
    )
    assert handler.clicks == []
    assert "not available" in interaction.sent[0].text


def test_slow_click_is_deferred_then_original_edited(
    handler: FakeHandler, message: FakeMessage
) -> None:
    handler.delay = 0.8
    interaction = asyncio.run(click(fresh_bot(handler), message, APPROVE, user=ADMIN))
    assert [s.method for s in interaction.sent] == [
        "defer",
        "edit_original_response",
        "followup.send",
    ]


def test_rendered_view_uses_dynamic_items_without_timeout() -> None:
    view = view_of(approval_request("req9"))
    assert view is not None
    assert view.timeout is None
    assert all(isinstance(item, HandlerButton) for item in view.children)
    assert [i.item.custom_id for i in view.children if isinstance(i, HandlerButton)] == [
        "jh:approval.approve:req9",
        "jh:approval.deny:req9",
    ]
    assert [i.item.style for i in view.children if isinstance(i, HandlerButton)] == [
        discord.ButtonStyle.primary,
        discord.ButtonStyle.danger,
    ]
