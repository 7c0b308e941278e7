"""Real loopback sockets: a hanging server, a refused connection, TLS verification."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import load
from bot.settings.proxmox import ProxmoxSettings
from proxmox import errors
from proxmox.client import ProxmoxClient
from tests.proxmox.captures import TOKEN_ID, TOKEN_SECRET
from tests.proxmox.loopback import (
    OK_RESPONSE,
    free_port,
    self_signed_cert,
    serve,
    server_context,
)

TIMEOUT = 0.3


def _client(url: str, *, timeout: float) -> ProxmoxClient:
    return ProxmoxClient(url, TOKEN_ID, SecretStr(TOKEN_SECRET), timeout=timeout)


def test_hanging_server_times_out_at_the_configured_timeout() -> None:
    with serve(answer=None) as port, _client(f"http://127.0.0.1:{port}", timeout=TIMEOUT) as c:
        started = time.monotonic()
        with pytest.raises(errors.ProxmoxTimeout) as caught:
            c.get("/version")
        elapsed = time.monotonic() - started
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 0.25, f"gave up after {elapsed:.3f}s"
    assert caught.value.retryable
    assert str(caught.value) == "timed out waiting for Proxmox [GET /version]"


def test_connection_refused_is_unreachable() -> None:
    client = _client(f"http://127.0.0.1:{free_port()}", timeout=TIMEOUT)
    with client, pytest.raises(errors.ProxmoxUnreachable) as caught:
        client.get("/version")
    assert caught.value.retryable
    assert caught.value.message.startswith("cannot reach Proxmox")
    assert TOKEN_SECRET not in repr(caught.value)


def test_untrusted_certificate_gives_a_hint_naming_the_ca_bundle(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    with (
        serve(OK_RESPONSE, tls=server_context(cert, key)) as port,
        _client(f"https://127.0.0.1:{port}", timeout=2.0) as client,
        pytest.raises(errors.ProxmoxTLSError) as caught,
    ):
        client.get("/version")
    assert "PROXMOX_CA_BUNDLE" in str(caught.value)
    assert not caught.value.retryable
    assert "\n" not in str(caught.value)


def test_the_ca_bundle_from_settings_makes_the_same_server_trusted(tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    with serve(OK_RESPONSE, tls=server_context(cert, key)) as port:
        settings = load(
            ProxmoxSettings,
            url=f"https://127.0.0.1:{port}",
            token_id=TOKEN_ID,
            token_secret=TOKEN_SECRET,
            ca_bundle=cert,
            timeout=2.0,
        )
        client = ProxmoxClient(
            settings.url,
            settings.token_id,
            settings.token_secret,
            timeout=settings.timeout,
            verify=settings.verify(),
        )
        with client:
            assert client.get("/version")["version"] == "9.2.10"
