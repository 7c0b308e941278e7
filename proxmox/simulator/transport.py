"""In-process httpx transport for the simulator's WSGI app.

Unlike ``httpx.WSGITransport`` it keeps the status line's reason phrase (Proxmox's error
text lives there), honours the client's read timeout for injected hangs, and turns an
injected connection reset into the error httpx raises on a real socket.
"""

from __future__ import annotations

import io
from typing import Any

import httpx

from proxmox.simulator.app import ClientGaveUp, ConnectionDropped, SimApp


class SimTransport(httpx.BaseTransport):
    def __init__(self, app: SimApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            seen["status"], seen["headers"] = status, headers

        try:
            chunks = self.app(_environ(request, body), start_response)
        except ConnectionDropped:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
        except ClientGaveUp:
            raise httpx.ReadTimeout("timed out", request=request) from None
        code, _, reason = str(seen["status"]).partition(" ")
        return httpx.Response(
            int(code),
            headers=seen["headers"],
            content=b"".join(chunks),
            extensions={"reason_phrase": reason.encode("latin-1")},
            request=request,
        )


def _environ(request: httpx.Request, body: bytes) -> dict[str, Any]:
    timeouts = request.extensions.get("timeout", {})
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.url.path,
        "QUERY_STRING": request.url.query.decode("ascii"),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": request.headers.get("content-type", ""),
        "SERVER_NAME": request.url.host,
        "SERVER_PORT": str(request.url.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": request.url.scheme,
        "sim.read_timeout": timeouts.get("read"),
    }
    for key, value in request.headers.items():
        name = key.upper().replace("-", "_")
        if name not in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
            environ[f"HTTP_{name}"] = value
    return environ
