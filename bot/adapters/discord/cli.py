"""``jotunheim discord``: run the bot; ``jotunheim discord sync [--guild ID]``: upload commands.

Commands are synced only on demand: Discord caps command creations per day, and a restart
must not spend them. Settings: ``DISCORD_*`` (settings.py), ``JOTUNHEIM_*`` (policy: admin
ids/roles, admin channel, Redis prefix), ``REDIS_URL``.

The command handler gets the REST notifier wrapped in ``AfterAck``: approval requests and
decision notices are posted after the interaction has been answered, so a slow Discord (or
a 429 wait) never holds up an ack.

At start-up Redis must answer (a PING; ``bot.cli`` prints redis-py's error in one line) and
Discord must accept the token (else a ``ConfigError`` names the variable, never its value).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import discord
import httpx
import redis

from bot.adapters.after_ack import AfterAck, Followups
from bot.adapters.discord.bot import JotunheimBot
from bot.adapters.discord.catalog import default_specs
from bot.adapters.discord.gateway import Gateway
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.settings import DiscordRestSettings, DiscordSettings
from bot.adapters.discord.tokens import InteractionTokens
from bot.ports import ButtonClick, Choice, ClickResult, CommandHandler
from bot.ports.invocation import Identity, Invocation
from bot.ports.reply import Reply
from bot.settings import ConfigError, load
from bot.settings.policy import PolicySettings
from bot.settings.redis import RedisSettings

log = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    settings = load(DiscordSettings)
    with _logging_in():
        if args.action == "sync":
            return asyncio.run(sync(settings, args.guild))
        return run(settings)


@contextmanager
def _logging_in() -> Iterator[None]:
    """discord.py's refusal of the token (or no Discord at all) as a ``ConfigError``: its
    messages never carry the token."""
    try:
        yield
    except discord.LoginFailure as exc:
        raise ConfigError(f"Discord rejected DISCORD_BOT_TOKEN: {exc}") from exc
    except aiohttp.ClientConnectionError as exc:
        raise ConfigError(f"cannot reach Discord: {exc}") from exc


def run(settings: DiscordSettings) -> int:
    policy = load(PolicySettings)
    from bot.compose import bot_redis  # noqa: PLC0415  (the composition root, loaded to run)

    client = bot_redis(load(RedisSettings).url)
    client.ping()  # no Redis, no bot: every command would answer "the queue is unavailable"
    tokens = InteractionTokens(client, prefix=policy.redis_prefix)
    followups = Followups(workers=1, name="discord-followup")
    try:
        handler = compose_handler(settings, policy, client, tokens, followups)
        gateway = Gateway(
            handler, guild_ids=settings.guild_ids, defer_after=settings.defer_after, tokens=tokens
        )
        bot = JotunheimBot(
            gateway,
            default_specs(),
            application_id=settings.application_id,
            guild_ids=settings.guild_ids,
        )
        bot.run(settings.bot_token.get_secret_value(), log_level=logging.INFO)
    finally:
        followups.shutdown()  # posts already accepted still go out before the process ends
    return 0


def compose_handler(
    settings: DiscordRestSettings,
    policy: PolicySettings,
    client: redis.Redis,
    tokens: InteractionTokens,
    followups: Followups,
) -> CommandHandler:
    """The bot process's command handler: its Discord calls run on ``followups``."""
    notifier = DiscordNotifier(
        httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0)),
        bot_token=settings.bot_token,
        application_id=settings.application_id,
        api_base=settings.api_base,
        tokens=tokens,
        cards=settings.cards,  # the requester's card of a request waiting for approval
    )
    from bot.compose import compose_bot  # noqa: PLC0415  (composes Redis, RQ, stores)

    return compose_bot(AfterAck(notifier, followups), settings=policy, client=client)


async def sync(settings: DiscordSettings, guild_id: int | None) -> int:
    bot = JotunheimBot(
        Gateway(_SyncOnly(), guild_ids=settings.guild_ids),
        default_specs(),
        application_id=settings.application_id,
        guild_ids=settings.guild_ids,
    )
    async with bot:
        await bot.login(settings.bot_token.get_secret_value())
        names = await bot.sync_commands(guild_id)
    where = "globally" if guild_id is None else f"in guild {guild_id}"
    print(f"synced {len(names)} command group(s) {where}: {', '.join(names)}")
    return 0


class _SyncOnly:
    """The handler of a client that only uploads definitions and never connects."""

    def handle(self, invocation: Invocation) -> Reply:  # noqa: ARG002
        raise RuntimeError("the sync client serves no interactions")

    def click(self, click: ButtonClick) -> ClickResult:  # noqa: ARG002
        raise RuntimeError("the sync client serves no interactions")

    def complete_server(
        self,
        identity: Identity,  # noqa: ARG002
        roles: frozenset[str],  # noqa: ARG002
        typed: str,  # noqa: ARG002
    ) -> list[Choice]:
        raise RuntimeError("the sync client serves no interactions")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jotunheim discord", description="run the Discord bot, or sync its slash commands"
    )
    sub = parser.add_subparsers(dest="action")
    sync_parser = sub.add_parser("sync", help="upload the slash command definitions")
    sync_parser.add_argument("--guild", type=int, help="only this guild (shows up at once)")
    return parser
