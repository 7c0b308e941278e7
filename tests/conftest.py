"""Suite-wide fixtures: a clean environment so no real credential can reach a test."""

from __future__ import annotations

import os

import pytest

_SECRET_PREFIXES = ("PROXMOX_", "SLACK_", "DISCORD_", "JOTUNHEIM_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_SECRET_PREFIXES):
            monkeypatch.delenv(name)
    # An empty value disables the .env file (see bot.settings.load).
    monkeypatch.setenv("JOTUNHEIM_ENV_FILE", "")
