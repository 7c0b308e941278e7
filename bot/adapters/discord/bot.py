"""The discord.py client: the generated command tree plus the persistent button class.

No gateway intents are needed: slash commands and button clicks arrive as interactions with
the member (and its role ids) included. Commands are not synced at start (Discord caps
command creations per day): ``jotunheim discord sync`` does that on demand.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.adapters.discord.buttons import HandlerButton
from bot.adapters.discord.gateway import Gateway
from bot.adapters.discord.spec import CommandSpec
from bot.adapters.discord.tree import JotunheimTree, install


class JotunheimBot(discord.Client):
    def __init__(
        self,
        gateway: Gateway,
        specs: Iterable[CommandSpec],
        *,
        application_id: int,
        guild_ids: Iterable[int],
    ) -> None:
        super().__init__(intents=discord.Intents.none(), application_id=application_id)
        self.gateway = gateway  # read by HandlerButton.callback through interaction.client
        self.guild_ids = tuple(guild_ids)
        self.tree = JotunheimTree(self, gateway)
        install(self.tree, specs, gateway)
        # Registered before connecting, so clicks on messages posted before a restart work.
        self.add_dynamic_items(HandlerButton)

    async def sync_commands(self, guild_id: int | None = None) -> list[str]:
        """Upload the command definitions globally, or (``guild_id``) as guild commands of one
        guild: they show up there at once, handy to try a new version before going global."""
        if guild_id is None:
            return [c.name for c in await self.tree.sync()]
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        return [f"{c.name}@{guild_id}" for c in await self.tree.sync(guild=guild)]
