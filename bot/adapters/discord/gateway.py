"""Interactions in, handler calls out: the one place that turns Discord into ``Invocation``.

Every interaction is answered or deferred within Discord's 3 seconds: the handler (Redis
only) runs in a thread; if it has not returned after ``defer_after`` seconds the interaction
is deferred and the answer follows as a follow-up. Handler failures become a short ephemeral
error, never silence (Discord would show "The application did not respond").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.adapters.discord.buttons import view_of
from bot.adapters.discord.modals import ReasonModal
from bot.adapters.discord.render import content_of, embed_of
from bot.adapters.discord.spec import CommandSpec, render_text
from bot.adapters.discord.tokens import InteractionTokens
from bot.ports import ButtonClick, ClickResult, CommandHandler
from bot.ports.invocation import Identity, Invocation
from bot.ports.reply import Reply

log = logging.getLogger(__name__)
R = TypeVar("R")

MAX_CHOICES = 25
AUTOCOMPLETE_BUDGET = 2.5  # seconds; autocomplete cannot be deferred, an empty list is safe
NOT_SERVED = Reply(text="This bot is not available in this server.", tone="error")
FAILED = Reply(text="Something went wrong on our side; nothing was changed.", tone="error")
FORM_FAILED = Reply(text="Discord could not open the form in time; nothing was done. Click again.")


class Gateway:
    def __init__(
        self,
        handler: CommandHandler,
        *,
        guild_ids: Collection[int],
        defer_after: float = 1.5,
        tokens: InteractionTokens | None = None,
    ) -> None:
        self._handler = handler
        self._guild_ids = frozenset(guild_ids)
        self._defer_after = defer_after
        self._tokens = tokens

    def serves(self, interaction: discord.Interaction[Any]) -> bool:
        """Configured guilds and DMs (where the handler's policy limits the scopes)."""
        return interaction.guild_id is None or interaction.guild_id in self._guild_ids

    async def refuse(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.autocomplete:
            await interaction.response.autocomplete([])
        else:
            await interaction.response.send_message(content_of(NOT_SERVED), ephemeral=True)

    async def answer_failure(self, interaction: discord.Interaction[Any]) -> None:
        if not interaction.response.is_done():
            await interaction.response.send_message(content_of(FAILED), ephemeral=True)

    async def run_command(
        self, interaction: discord.Interaction[Any], spec: CommandSpec, values: Mapping[str, Any]
    ) -> None:
        invocation = self.invocation(interaction, spec, values)
        token = interaction.token

        def call() -> Reply:
            if self._tokens is not None:
                self._tokens.remember(invocation.channel, invocation.identity.user, token)
                self._tokens.remember_request(invocation.inbound_id, token)
            return self._handler.handle(invocation)

        reply = await self._within_deadline(interaction, call, fallback=FAILED, thinking=True)
        await send_reply(interaction, reply)

    async def run_click(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None:
        if not self.serves(interaction):
            await self.refuse(interaction)
            return
        click = self.button_click(interaction, action, value)
        token = interaction.token

        def call() -> ClickResult:
            if self._tokens is not None:  # a click that starts a request (Reboot now): its card
                self._tokens.remember_request(click.inbound_id, token)
            return self._handler.click(click)

        result = await self._within_deadline(
            interaction, call, fallback=ClickResult(to_clicker=FAILED)
        )
        if result.ask_reason is not None:
            if not interaction.response.is_done():  # a modal must be the first response
                await interaction.response.send_modal(ReasonModal(result.ask_reason, self))
                return
            result = ClickResult(to_clicker=FORM_FAILED)
        await apply_click_result(interaction, result)

    async def run_reason(
        self, interaction: discord.Interaction[Any], action: str, value: str, reason: str
    ) -> None:
        """A submitted modal: the click it was opened for, now with the reason typed."""
        click = self.button_click(interaction, action, value).model_copy(update={"reason": reason})
        result = await self._within_deadline(
            interaction, lambda: self._handler.click(click), fallback=ClickResult(to_clicker=FAILED)
        )
        await apply_click_result(interaction, result)

    async def complete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if not self.serves(interaction):
            return []
        identity, roles = self.identity(interaction), self.roles(interaction)
        job = asyncio.to_thread(self._handler.complete_server, identity, roles, current)
        try:
            choices = await asyncio.wait_for(job, AUTOCOMPLETE_BUDGET)
        except Exception:
            log.exception("autocomplete failed for %s", identity.key)
            return []
        return [
            app_commands.Choice(name=c.label[:100], value=c.value[:100])
            for c in choices[:MAX_CHOICES]
        ]

    def identity(self, interaction: discord.Interaction[Any]) -> Identity:
        guild = interaction.guild_id
        workspace = "dm" if guild is None else str(guild)
        return Identity(platform="discord", workspace=workspace, user=str(interaction.user.id))

    def roles(self, interaction: discord.Interaction[Any]) -> frozenset[str]:
        if interaction.guild_id is None:
            return frozenset()  # a DM has no member, hence no roles
        # In a guild the user is a Member; a user-installed context may lack member data.
        roles: list[discord.Role] = getattr(interaction.user, "roles", [])
        return frozenset(str(role.id) for role in roles)

    def invocation(
        self, interaction: discord.Interaction[Any], spec: CommandSpec, values: Mapping[str, Any]
    ) -> Invocation:
        return Invocation(
            identity=self.identity(interaction),
            display_name=interaction.user.display_name,
            channel=str(interaction.channel_id),
            scope=spec.scope,
            text=render_text(spec, option_values(spec, values)),
            inbound_id=f"discord:{interaction.id}",
            roles=self.roles(interaction),
            is_direct_message=interaction.guild_id is None,
        )

    def button_click(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> ButtonClick:
        message = interaction.message
        return ButtonClick(
            identity=self.identity(interaction),
            display_name=interaction.user.display_name,
            action=action,
            value=value,
            inbound_id=f"discord:{interaction.id}",
            channel=str(interaction.channel_id),
            message_id=None if message is None else str(message.id),
            roles=self.roles(interaction),
            is_direct_message=interaction.guild_id is None,
        )

    async def _within_deadline(
        self,
        interaction: discord.Interaction[Any],
        call: Callable[[], R],
        *,
        fallback: R,
        thinking: bool = False,
    ) -> R:
        task = asyncio.ensure_future(asyncio.to_thread(call))
        done, _ = await asyncio.wait({task}, timeout=self._defer_after)
        if not done:
            # Ephemeral: a deferred answer may be personal, and its visibility is fixed now.
            await interaction.response.defer(ephemeral=True, thinking=thinking)
        try:
            return await task
        except Exception:
            log.exception("handler failed for interaction %s", interaction.id)
            return fallback


def option_values(spec: CommandSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    """The options as the text form names them: a picked user is their id, which is how every
    platform's commands name a user (``link 123456789 acme``). discord.py hands a ``Member``
    (or a ``User``), or a bare ``discord.Object`` when Discord sent no resolved data: each
    has the id."""
    users = {o.key for o in spec.options if o.kind == "user"}
    return {
        key: str(value.id) if key in users and isinstance(value, discord.abc.Snowflake) else value
        for key, value in values.items()
    }


async def send_reply(interaction: discord.Interaction[Any], reply: Reply) -> None:
    kwargs = message_kwargs(reply)
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=reply.ephemeral, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=reply.ephemeral, **kwargs)


async def apply_click_result(interaction: discord.Interaction[Any], result: ClickResult) -> None:
    """Replace the clicked message (buttons disabled) when asked; tell the clicker either way.
    A list's other page takes the place of the clicker's own ephemeral list instead."""
    message = interaction.message
    if result.in_place and message is not None and message.flags.ephemeral:
        edit = message_kwargs(result.to_clicker)
        edit.setdefault("view", None)  # the last page has no Next: the old buttons go
        if interaction.response.is_done():
            await interaction.edit_original_response(**edit)
        else:
            await interaction.response.edit_message(**edit)
        return
    if result.replace_message is None:
        await send_reply(interaction, result.to_clicker)
        return
    edit = message_kwargs(result.replace_message)
    if not result.replace_message.buttons:
        edit["view"] = disabled_copy(interaction.message)
    if interaction.response.is_done():
        await interaction.edit_original_response(**edit)
    else:
        await interaction.response.edit_message(**edit)
    await interaction.followup.send(ephemeral=True, **message_kwargs(result.to_clicker))


def message_kwargs(reply: Reply) -> dict[str, Any]:
    embed = embed_of(reply)
    kwargs: dict[str, Any] = {
        "content": content_of(reply),
        "embeds": [] if embed is None else [discord.Embed.from_dict(embed)],
        "allowed_mentions": discord.AllowedMentions(everyone=False, roles=False, users=True),
    }
    view = view_of(reply)
    if view is not None:
        kwargs["view"] = view
    return kwargs


def disabled_copy(message: discord.Message | None) -> discord.ui.View | None:
    """The clicked message's own buttons, greyed out, so the decision stays readable."""
    if message is None:
        return None
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        if isinstance(item, discord.ui.Button):
            item.disabled = True
    return view
