"""``jotunheim discord sync``: the generated command groups uploaded, on demand, through
discord.py's own HTTP client pointed at the local mock Discord API."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import discord
import pytest
from pydantic import SecretStr

from bot.adapters.discord.cli import sync
from bot.adapters.discord.settings import DiscordSettings
from tests.support.discord_api import APP_ID, BOT_TOKEN, MockDiscordApi

GUILD = 4242


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockDiscordApi]:
    server = MockDiscordApi()
    server.start()
    monkeypatch.setattr(discord.http.Route, "BASE", server.base)
    yield server
    server.stop()


def settings(api: MockDiscordApi) -> DiscordSettings:
    return DiscordSettings(
        _env_file=None,
        bot_token=SecretStr(BOT_TOKEN),
        application_id=int(APP_ID),
        guild_ids=frozenset({GUILD}),
        api_base=api.base,
    )


def test_sync_uploads_the_three_groups_to_one_guild(
    api: MockDiscordApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert asyncio.run(sync(settings(api), GUILD)) == 0

    uploaded = api.commands[str(GUILD)]
    assert sorted(c["name"] for c in uploaded) == ["admin", "auth", "server"]
    server = next(c for c in uploaded if c["name"] == "server")
    assert "resize" in {option["name"] for option in server["options"]}
    assert f"in guild {GUILD}" in capsys.readouterr().out
    assert "global" not in api.commands


def test_sync_without_a_guild_uploads_global_commands(api: MockDiscordApi) -> None:
    assert asyncio.run(sync(settings(api), None)) == 0

    assert sorted(c["name"] for c in api.commands["global"]) == ["admin", "auth", "server"]
