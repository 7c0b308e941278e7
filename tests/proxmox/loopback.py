"""Tiny stdlib socket servers on 127.0.0.1 for faults httpx mocks cannot fake:
a server that accepts and never answers, and a TLS server with a throwaway certificate."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

OK_BODY = b'{"data":{"version":"9.2.10","release":"9.2","repoid":"43df2e01f27a1a19"}}'
OK_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n"
    b"Content-Length: " + str(len(OK_BODY)).encode() + b"\r\nConnection: close\r\n\r\n" + OK_BODY
)


@contextmanager
def serve(answer: bytes | None, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """Yield a port; each connection gets ``answer`` (None: held open, never answered)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    held: list[socket.socket] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)
            if answer is not None:
                _answer(conn, answer, tls)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
        for conn in held:
            conn.close()


def _answer(conn: socket.socket, answer: bytes, tls: ssl.SSLContext | None) -> None:
    # A client that rejects the certificate aborts the handshake: that is the expected path.
    with suppress(OSError):
        conn.settimeout(2)
        stream = tls.wrap_socket(conn, server_side=True) if tls else conn
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = stream.recv(4096)
            if not chunk:
                return
            request += chunk
        stream.sendall(answer)
        stream.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """(cert, key) for 127.0.0.1 made with the openssl CLI; fails loudly without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail(
            "the openssl CLI is required to make a throwaway TLS certificate (apt install openssl)"
        )
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
