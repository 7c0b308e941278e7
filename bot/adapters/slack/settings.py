"""Slack settings (``SLACK_*``). The bot process needs the signing secret (HTTP mode) or the
app token (Socket Mode); workers need only the bot token, so those two are optional here
and ``require_for_mode`` checks them where they are used."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

from bot.ports.invocation import Scope
from bot.settings import ConfigError, env_config

Mode = Literal["socket", "http"]
CardPlace = Literal["channel", "dm"]


class SlackSettings(BaseSettings):
    model_config = env_config("SLACK_")

    bot_token: SecretStr = Field(description="bot token, xoxb-…")
    signing_secret: SecretStr | None = Field(default=None, description="HTTP mode only")
    app_token: SecretStr | None = Field(default=None, description="Socket Mode only, xapp-…")
    mode: Mode = "socket"
    host: str = "0.0.0.0"  # noqa: S104  -- HTTP mode listens where Slack can reach it
    port: int = Field(default=3000, ge=0, le=65535, description="0 picks a free port")
    path: str = "/slack/events"
    command_server: str = "/server"
    command_admin: str = "/admin"
    command_auth: str = "/auth"
    api_url: str = Field(default="https://slack.com/api/", description="Web API base URL")
    http_threads: int = Field(default=8, ge=1, le=64, description="HTTP mode server threads")
    # Where a request's card goes. channel: where it was asked (the provider's own channels,
    # one per customer over Slack Connect), its completion notice in the card's thread;
    # dm: the requester's DM with the app (channels that customers share).
    cards: CardPlace = Field(
        default="channel",
        validation_alias=AliasChoices("JOTUNHEIM_CARDS_SLACK", "cards"),
        description="channel or dm: who sees a request's card",
    )

    @field_validator("command_server", "command_admin", "command_auth")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith("/") or len(value) < 2 or " " in value:
            raise ValueError("must be a slash command such as /server")
        return value

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    def commands(self) -> dict[str, Scope]:
        """Configured command name → the scope it serves."""
        return {
            self.command_server: "server",
            self.command_admin: "admin",
            self.command_auth: "auth",
        }

    def require_for_mode(self) -> None:
        """Raise ``ConfigError`` naming the variable the chosen mode cannot run without."""
        if self.mode == "socket" and self.app_token is None:
            raise ConfigError("invalid configuration: SLACK_APP_TOKEN: required for Socket Mode")
        if self.mode == "http" and self.signing_secret is None:
            raise ConfigError("invalid configuration: SLACK_SIGNING_SECRET: required in HTTP mode")
