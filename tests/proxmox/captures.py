"""Real Proxmox responses from ../shared/pve-api/real-responses (never copied into the repo).

Missing files are an error, not a skip: without them these tests would prove nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from proxmox.client import ProxmoxClient

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT / ".." / "shared" / "pve-api"
REAL = SHARED / "real-responses"
TOKEN_ID = "jotunheim@pve!tests"
TOKEN_SECRET = "5ec2e7a1-0000-4000-8000-5ec2e7a1c0de"


def capture(name: str) -> dict[str, Any]:
    """The whole fixture file (``body``, ``http``, ``body_is_envelope``, ...)."""
    path = REAL / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"REAL PROXMOX CAPTURE MISSING: {path} - these tests need ../shared/pve-api next "
            "to the repository (see spec/common.md); refusing to pass without it"
        )
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def data_of(name: str) -> Any:
    """The ``data`` part of a capture, whichever way the source kept it."""
    fixture = capture(name)
    body = fixture["body"]
    return body["data"] if fixture["body_is_envelope"] else body


def envelope_of(name: str) -> Any:
    fixture = capture(name)
    return fixture["body"] if fixture["body_is_envelope"] else {"data": fixture["body"]}


Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(handler: Handler, **kw: Any) -> ProxmoxClient:
    """A client talking to ``handler`` through httpx.MockTransport."""
    return ProxmoxClient(
        "https://pve.test:8006",
        TOKEN_ID,
        SecretStr(TOKEN_SECRET),
        transport=httpx.MockTransport(handler),
        **kw,
    )


def respond(status: int = 200, body: Any = None, reason: str | None = None) -> httpx.Response:
    """A response with an explicit reason phrase (PVE's error text lives there)."""
    extensions = {"reason_phrase": reason.encode()} if reason is not None else {}
    if body is None:
        return httpx.Response(status, extensions=extensions)
    return httpx.Response(status, json=body, extensions=extensions)
