"""Discord settings (``DISCORD_*``). Who is an admin and where approvals go are not here:
admin user/role ids and the admin channel are the command layer's policy settings
(``JOTUNHEIM_ADMINS_DISCORD``, ``JOTUNHEIM_ADMIN_ROLES_DISCORD``,
``JOTUNHEIM_ADMIN_CHANNEL_DISCORD``); the adapter only passes roles along."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from bot.settings import env_config


class DiscordRestSettings(BaseSettings):
    """What a worker needs to post through Discord's REST API (no gateway, no guild list)."""

    model_config = env_config("DISCORD_")

    bot_token: SecretStr = Field(description="bot token (Developer Portal → Bot)")
    application_id: int = Field(gt=0, description="application (client) id")
    api_base: str = Field(
        default="https://discord.com/api/v10", description="REST base (tests point it at a mock)"
    )
    # Where a request's card goes. ephemeral: only the requester sees it (the interaction's
    # follow-up, continued in their DM after Discord's 15 minutes); dm: their DM; channel:
    # everyone in the channel sees it (only where customers do not share channels).
    cards: Literal["ephemeral", "dm", "channel"] = Field(
        default="ephemeral",
        validation_alias=AliasChoices("JOTUNHEIM_CARDS_DISCORD", "cards"),
        description="ephemeral, dm or channel: who sees a request's card",
    )

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")


class DiscordSettings(DiscordRestSettings):
    """The bot process: REST settings plus the guilds it serves and its defer deadline."""

    guild_ids: Annotated[frozenset[int], NoDecode] = Field(
        description="comma-separated ids of the guilds the bot serves; others are refused"
    )
    defer_after: float = Field(
        default=1.5, gt=0, lt=2.5, description="seconds before a slow handler gets deferred"
    )

    @field_validator("guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return frozenset(int(p) for p in parts if p)
        return value

    @field_validator("guild_ids")
    @classmethod
    def _not_empty(cls, value: frozenset[int]) -> frozenset[int]:
        if not value:
            raise ValueError("name at least one guild id")
        return value
