"""DISCORD_* settings: parsed, named in errors, the token never shown."""

from __future__ import annotations

import pytest

from bot.adapters.discord.render import custom_id
from bot.adapters.discord.settings import DiscordSettings
from bot.ports.reply import Button
from bot.settings import ConfigError, load


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "very-secret-token")
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "99")
    monkeypatch.setenv("DISCORD_GUILD_IDS", "111, 222")
    settings = load(DiscordSettings)
    assert settings.guild_ids == frozenset({111, 222})
    assert "very-secret-token" not in repr(settings)
    assert settings.bot_token.get_secret_value() == "very-secret-token"


def test_missing_settings_name_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "very-secret-token")
    with pytest.raises(ConfigError) as caught:
        load(DiscordSettings)
    assert "DISCORD_APPLICATION_ID" in str(caught.value)
    assert "DISCORD_GUILD_IDS" in str(caught.value)
    assert "very-secret-token" not in str(caught.value)


def test_custom_id_refuses_what_a_restarted_bot_could_not_match() -> None:
    assert custom_id(Button(action="approve", value="a1b2c3d4", label="Approve")) == (
        "jh:approve:a1b2c3d4"
    )
    # Such a button cannot even be made: every platform must be able to carry it back.
    with pytest.raises(ValueError, match="at most 50 characters"):
        Button(action="approve", value="x" * 60, label="Approve")
    with pytest.raises(ValueError, match="custom_id"):
        custom_id(Button.model_construct(action="approve", value="x" * 60, label="Approve"))
    with pytest.raises(ValueError, match="custom_id"):
        custom_id(Button.model_construct(action="approve", value="a b", label="Approve"))
