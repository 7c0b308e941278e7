"""The app command tree, generated from command declarations (never hand-written per command).

Each ``CommandSpec`` becomes a subcommand of its scope's group (``/server resize``) or of a
subgroup (``/server backup list``). Options get real Discord types (integers with ranges,
choices, autocomplete for servers) by giving each generated callback an explicit signature,
which is what discord.py reads to build the option list.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable
from typing import Any, Optional

import discord
from discord import app_commands

from bot.adapters.discord.gateway import Gateway
from bot.adapters.discord.spec import SCOPE_DESCRIPTIONS, CommandSpec, OptionSpec
from bot.ports.invocation import Scope

log = logging.getLogger(__name__)

_EVERYWHERE = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False)
_GUILD_ONLY = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)


class JotunheimTree(app_commands.CommandTree[discord.Client]):
    """Refuses interactions from guilds that are not configured, before any command runs."""

    def __init__(self, client: discord.Client, gateway: Gateway) -> None:
        super().__init__(client)
        self.gateway = gateway

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if self.gateway.serves(interaction):
            return True
        await self.gateway.refuse(interaction)
        return False

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError, /
    ) -> None:
        """Whatever went wrong, the person gets an answer rather than "did not respond"."""
        log.error("command failed: %s", error, exc_info=error)
        if interaction.type is discord.InteractionType.application_command:
            await self.gateway.answer_failure(interaction)


def install(
    tree: app_commands.CommandTree[Any], specs: Iterable[CommandSpec], gateway: Gateway
) -> list[app_commands.Group]:
    """Add the scope groups to ``tree`` as global commands. ``/admin`` is offered in guilds
    only, but it stays routable from a DM so that a stale client gets the policy's refusal
    instead of silence; the tree's check keeps unconfigured guilds out."""
    groups = build_groups(specs, gateway)
    for group in groups:
        tree.add_command(group)
    return groups


def build_groups(specs: Iterable[CommandSpec], gateway: Gateway) -> list[app_commands.Group]:
    roots: dict[Scope, app_commands.Group] = {}
    for spec in specs:
        root = roots.get(spec.scope) or roots.setdefault(spec.scope, _root(spec.scope))
        parent = root
        for word in spec.path[:-1]:
            found = parent.get_command(word)
            if not isinstance(found, app_commands.Group):
                found = app_commands.Group(name=word, description=f"{word} commands", parent=parent)
            parent = found
        parent.add_command(build_command(spec, gateway))
    return list(roots.values())


def build_command(spec: CommandSpec, gateway: Gateway) -> app_commands.Command[Any, ..., None]:
    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        await gateway.run_command(interaction, spec, values)

    async def complete_server(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await gateway.complete(interaction, current)

    callback.__signature__ = _signature(spec.options)  # type: ignore[attr-defined]
    attrs: dict[str, dict[str, Any]] = {
        "__discord_app_commands_param_description__": {
            o.key: (o.description or o.name)[:100] for o in spec.options
        },
        # Python names cannot hold "-": ``dry_run`` is shown to Discord users as ``dry-run``.
        "__discord_app_commands_param_rename__": {
            o.key: o.name for o in spec.options if o.key != o.name
        },
        "__discord_app_commands_param_choices__": {
            o.key: [app_commands.Choice(name=c, value=c) for c in o.choices[:25]]
            for o in spec.options
            if o.choices
        },
        "__discord_app_commands_param_autocomplete__": {
            o.key: complete_server for o in spec.options if o.kind == "server"
        },
    }
    for name, value in attrs.items():
        setattr(callback, name, value)
    return app_commands.Command(
        name=spec.path[-1],
        description=(spec.description or spec.qualified)[:100],
        callback=callback,
    )


def _root(scope: Scope) -> app_commands.Group:
    admin = scope == "admin"
    return app_commands.Group(
        name=scope,
        description=SCOPE_DESCRIPTIONS[scope],
        allowed_contexts=_GUILD_ONLY if admin else _EVERYWHERE,
        # Only a hint for the client UI: guild admins can override it, so our policy decides.
        default_permissions=discord.Permissions(manage_guild=True) if admin else None,
    )


def _signature(options: Iterable[OptionSpec]) -> inspect.Signature:
    first = inspect.Parameter(
        "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
    )
    ordered = sorted(options, key=lambda o: not o.required)  # Discord: required ones first
    return inspect.Signature([first, *(_parameter(o) for o in ordered)])


def _parameter(option: OptionSpec) -> inspect.Parameter:
    annotation = _annotation(option)
    return inspect.Parameter(
        option.key,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=annotation if option.required else Optional[annotation],  # noqa: UP045
        default=inspect.Parameter.empty if option.required else None,
    )


def _annotation(option: OptionSpec) -> Any:
    if option.kind == "int":
        if option.min_value is None and option.max_value is None:
            return int
        return app_commands.Range[int, option.min_value, option.max_value]
    if option.kind == "bool":
        return bool
    if option.kind == "user":
        return discord.User
    return str  # server, size, free text: the parser validates the canonical text
