"""``RecordingTransport``: wraps any httpx transport and records what went over the wire.

Each request is recorded as the server would see it: the path without ``/api2/json`` and
URL-decoded, the parameters from the query (GET/DELETE) or the JSON body (POST/PUT), and
the decoded JSON answer. The contract test checks every recorded call against the schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

API_PREFIX = "/api2/json"


@dataclass(frozen=True)
class RecordedExchange:
    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: Any = field(default=None)

    @property
    def data(self) -> Any:
        return self.body.get("data") if isinstance(self.body, dict) else None


class RecordingTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.calls: list[RecordedExchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        params = _params_of(request)
        response = self.inner.handle_request(request)
        response.read()
        self.calls.append(
            RecordedExchange(
                method=request.method,
                path=_api_path(request.url.raw_path.decode("ascii")),
                params=params,
                status=response.status_code,
                body=_json_or_none(response.content),
            )
        )
        return response

    def close(self) -> None:
        self.inner.close()


def _api_path(raw_path: str) -> str:
    path = unquote(raw_path.split("?", 1)[0])
    return path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path


def _params_of(request: httpx.Request) -> dict[str, Any]:
    if request.method in {"GET", "DELETE"}:
        return dict(request.url.params.multi_items())
    content = request.read()
    if not content:
        return {}
    if "json" not in request.headers.get("content-type", ""):
        raise AssertionError(f"{request.method} {request.url.path} sent a non-JSON body")
    decoded = json.loads(content)
    if not isinstance(decoded, dict):
        raise AssertionError(f"{request.method} {request.url.path} sent a non-object body")
    return decoded


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None
