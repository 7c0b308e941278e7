"""PROXMOX_* settings: one-line errors naming the variable, secrets never printed."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load
from bot.settings.proxmox import ProxmoxSettings
from tests.proxmox.captures import TOKEN_ID, TOKEN_SECRET


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_complete_environment_loads_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(
        monkeypatch,
        PROXMOX_URL="https://pve.example.com:8006/",
        PROXMOX_TOKEN_ID=TOKEN_ID,
        PROXMOX_TOKEN_SECRET=TOKEN_SECRET,
    )
    settings = load(ProxmoxSettings)
    assert settings.url == "https://pve.example.com:8006"
    assert (settings.timeout, settings.connect_timeout, settings.verify_tls) == (30.0, 5.0, True)
    assert settings.token_secret.get_secret_value() == TOKEN_SECRET
    assert TOKEN_SECRET not in repr(settings)
    assert TOKEN_SECRET not in str(settings)


def test_missing_url_names_the_variable_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, PROXMOX_TOKEN_ID=TOKEN_ID, PROXMOX_TOKEN_SECRET=TOKEN_SECRET)
    with pytest.raises(ConfigError) as caught:
        load(ProxmoxSettings)
    message = str(caught.value)
    assert "PROXMOX_URL" in message
    assert "\n" not in message
    assert TOKEN_SECRET not in message


@pytest.mark.parametrize("bad", ["root@pam", "root!tok", "root@pam!", "a b@pve!x"])
def test_malformed_token_id_is_named(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    _env(
        monkeypatch,
        PROXMOX_URL="https://pve:8006",
        PROXMOX_TOKEN_ID=bad,
        PROXMOX_TOKEN_SECRET=TOKEN_SECRET,
    )
    with pytest.raises(ConfigError) as caught:
        load(ProxmoxSettings)
    message = str(caught.value)
    assert "PROXMOX_TOKEN_ID" in message
    assert "\n" not in message
    assert TOKEN_SECRET not in message


def test_secret_never_printed_when_another_setting_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(
        monkeypatch,
        PROXMOX_URL="ftp://pve",
        PROXMOX_TOKEN_ID=TOKEN_ID,
        PROXMOX_TOKEN_SECRET=TOKEN_SECRET,
        PROXMOX_TIMEOUT="-1",
    )
    with pytest.raises(ConfigError) as caught:
        load(ProxmoxSettings)
    message = str(caught.value)
    assert "PROXMOX_URL" in message
    assert "PROXMOX_TIMEOUT" in message
    assert TOKEN_SECRET not in message
    assert TOKEN_SECRET not in repr(caught.value)


def test_missing_ca_bundle_file_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(
        monkeypatch,
        PROXMOX_URL="https://pve:8006",
        PROXMOX_TOKEN_ID=TOKEN_ID,
        PROXMOX_TOKEN_SECRET=TOKEN_SECRET,
        PROXMOX_CA_BUNDLE="/nonexistent/ca.pem",
    )
    with pytest.raises(ConfigError, match="PROXMOX_CA_BUNDLE"):
        load(ProxmoxSettings)


def test_verify_tls_false_is_passed_through(monkeypatch: pytest.MonkeyPatch) -> None:
    _env(
        monkeypatch,
        PROXMOX_URL="https://pve:8006",
        PROXMOX_TOKEN_ID=TOKEN_ID,
        PROXMOX_TOKEN_SECRET=TOKEN_SECRET,
        PROXMOX_VERIFY_TLS="false",
    )
    assert load(ProxmoxSettings).verify() is False
