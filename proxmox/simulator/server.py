"""Real HTTP for the simulator: a threaded stdlib server on loopback, in a background thread.

Written on ``http.server`` rather than ``wsgiref`` to control the wire: any status code
(595/596) with the error text as the reason phrase, and a connection reset (RST, no
response) when a fault asks for one. Shutdown wakes hanging requests and never waits on them.
"""

from __future__ import annotations

import io
import socket
import struct
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from proxmox.simulator.app import ClientGaveUp, ConnectionDropped, SimApp


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: SimApp, quiet: bool) -> None:
        super().__init__(address, _Handler)
        self.app = app
        self.quiet = quiet


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections close eventually
    # Headers and body go out in two sends; with Nagle on, the client's delayed ACK held
    # every answer ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        environ = self._environ(unquote(path), query, body)
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            seen["status"], seen["headers"] = status, headers

        try:
            chunks = self.server.app(environ, start_response)
        except (ConnectionDropped, ClientGaveUp):
            self._reset()
            return
        except Exception:  # a simulator bug: answer 500 and show it, do not kill the thread
            traceback.print_exc(file=sys.stderr)
            seen["status"], seen["headers"], chunks = "500 internal simulator error", [], [b""]
        self._write(str(seen["status"]), seen["headers"], b"".join(chunks))

    def _environ(self, path: str, query: str, body: bytes) -> dict[str, Any]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "sim.read_timeout": None,
        }
        for key, value in self.headers.items():
            name = key.upper().replace("-", "_")
            if name not in {"CONTENT_TYPE", "CONTENT_LENGTH"}:
                environ[f"HTTP_{name}"] = value
        return environ

    def _write(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        code, _, reason = status.partition(" ")
        try:
            self.send_response_only(int(code), reason)
            self.send_header("Date", self.date_time_string())
            names = {name.lower() for name, _ in headers}
            for name, value in headers:
                self.send_header(name, value)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout passed)

    def _reset(self) -> None:
        """Close with RST and no response, like a proxy or node dropping the connection."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)


class SimServer:
    """The app on ``http://host:port`` until ``stop()``; port 0 picks a free port."""

    def __init__(self, app: SimApp, host: str = "127.0.0.1", port: int = 0, quiet: bool = True):
        self.app = app
        self._server = _Server((host, port), app, quiet)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.host = host
        self.port = int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        wake = self.app.wake
        self.app.wake = threading.Event()  # later hangs wait on a fresh event
        wake.set()  # hanging requests end now instead of after their delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Foreground use (the CLI): serve until interrupted."""
        self._server.serve_forever(poll_interval=0.2)


@contextmanager
def serve(app: SimApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    server = SimServer(app, host, port).start()
    try:
        yield server.base_url
    finally:
        server.stop()
