""".env.example documents every variable the settings classes read (and nothing stale)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from bot.adapters.discord.settings import DiscordSettings
from bot.adapters.slack.settings import SlackSettings
from bot.settings import load
from bot.settings.plan import BackupSettings, PlanSettings
from bot.settings.policy import PolicySettings
from bot.settings.proxmox import ProxmoxSettings
from bot.settings.redis import RedisSettings
from bot.settings.worker import WorkerSettings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: tuple[type[BaseSettings], ...] = (
    ProxmoxSettings,
    RedisSettings,
    PolicySettings,
    WorkerSettings,
    PlanSettings,
    BackupSettings,
    SlackSettings,
    DiscordSettings,
)


def variables(cls: type[BaseSettings]) -> set[str]:
    prefix = str(cls.model_config.get("env_prefix") or "")
    names = set()
    for field_name, info in cls.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.add(next(str(c) for c in alias.choices if str(c).isupper()))
        else:
            names.add((prefix + field_name).upper())
    return names


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_every_setting_is_documented(cls: type[BaseSettings]) -> None:
    assert variables(cls) - documented() == set()


def test_nothing_documented_is_unread() -> None:
    read = set().union(*(variables(cls) for cls in SETTINGS)) | {"JOTUNHEIM_ENV_FILE"}
    assert documented() - read == set()


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_the_example_values_are_valid(
    cls: type[BaseSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOTUNHEIM_ENV_FILE", str(ROOT / ".env.example"))
    settings = load(cls)  # raises ConfigError on any invalid example value
    assert settings.model_fields_set, "nothing was read from .env.example"


def test_bot_and_worker_read_their_key_prefix_from_one_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two variables for one prefix once sent jobs to queues no worker listened to."""
    monkeypatch.setenv("JOTUNHEIM_WORKER_KEY_PREFIX", "diverging")
    monkeypatch.setenv("KEY_PREFIX", "bare")
    assert load(WorkerSettings).key_prefix == load(PolicySettings).redis_prefix == "jh"
    monkeypatch.setenv("JOTUNHEIM_REDIS_PREFIX", "shared")
    assert load(WorkerSettings).key_prefix == load(PolicySettings).redis_prefix == "shared"
