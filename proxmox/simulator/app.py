"""The WSGI application: parsing, recording, faults, token auth, routing, error envelopes.

Answers like pveproxy: ``{"data": ...}`` on success; on failure the message is the HTTP
reason phrase (first line) and, as since PVE 8.3, a ``message`` field (switchable off to mimic
older servers); 400s carry ``errors``; 401, 595 and 596 have empty bodies.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from proxmox.simulator.faults import Faults, Rule
from proxmox.simulator.params import ApiError, param_error, validate
from proxmox.simulator.routing import Req, Route, Router, WithTotal, acl_path
from proxmox.simulator.state import World

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
API_PREFIX = "/api2/json"
_EMPTY_BODY_STATUSES = frozenset({401, 595, 596})
_DUPLICATE = "duplicate parameter (already defined in URI) with conflicting values!"


class ConnectionDropped(Exception):
    """The server closes the connection without answering (transports turn this into a reset)."""


class ClientGaveUp(Exception):
    """In-process only: the request hung longer than the client's read timeout."""


@dataclass
class RecordedCall:
    """One request as received; ``status`` 0 means no HTTP answer was given."""

    method: str
    path: str
    params: dict[str, Any]
    status: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Token:
    secret: str
    privileges: frozenset[str] | None = None  # None: every privilege


@dataclass
class Options:
    message_field: bool = True  # PVE >= 8.3 adds "message" to JSON error bodies
    auth_failure_delay: float = 0.0  # pveproxy delays each 401 by ~3 s
    tokens: dict[str, Token] = field(default_factory=dict)


class SimApp:
    def __init__(
        self,
        world: World,
        lock: threading.RLock,
        faults: Faults,
        router: Router,
        options: Options,
    ) -> None:
        self.world, self.lock, self.faults = world, lock, faults
        self.router, self.options = router, options
        self.calls: list[RecordedCall] = []
        self.wake = threading.Event()  # set on server shutdown to end hanging requests

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ["REQUEST_METHOD"]).upper()
        full_path = str(environ.get("PATH_INFO") or "/")
        path = full_path.removeprefix(API_PREFIX) or "/"
        call = RecordedCall(method, path, {})
        with self.lock:
            self.calls.append(call)
        try:
            call.params = _request_params(environ)
            status, reason, body = self._answer(environ, method, path, call.params)
        except ApiError as exc:
            status, reason, body = self._error(exc)
        except (ConnectionDropped, ClientGaveUp):
            call.status = 0
            raise
        call.status = status
        start_response(f"{status} {reason}", _headers(len(body)))
        return [body]

    def _answer(
        self, environ: Mapping[str, Any], method: str, path: str, params: dict[str, Any]
    ) -> tuple[int, str, bytes]:
        if self.faults.latency > 0:
            time.sleep(self.faults.latency)
        rule = self.faults.take(method, path, ("reset", "hang"))
        if rule is not None:
            self._network_fault(rule, environ)
        user = self._authenticate(environ)
        rule = self.faults.take(method, path, ("status",))
        if rule is not None:
            raise ApiError(rule.status, rule.message)
        found = self.router.match(method, path)
        if found is None:
            raise ApiError(501, f"Method '{method} {path}' not implemented")
        route, path_params = found
        self._authorize(user, route, path_params)
        with self.lock:
            self.world.settle()
            self.world.user = user
            values = validate(route.params, _merge(path_params, params))
            result = route.handler(self.world, Req(method, path, values, user))
        return 200, "OK", _json(_envelope(result))

    def _network_fault(self, rule: Rule, environ: Mapping[str, Any]) -> None:
        if rule.kind == "reset":
            raise ConnectionDropped
        limit = environ.get("sim.read_timeout")
        woke = self.wake.wait(rule.seconds if limit is None else min(rule.seconds, limit))
        if limit is not None and limit < rule.seconds and not woke:
            raise ClientGaveUp
        raise ApiError(596, "Connection timed out")

    def _authenticate(self, environ: Mapping[str, Any]) -> str:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        if not header.startswith("PVEAPIToken="):
            self._delay_401()
            raise ApiError(401, "No ticket")
        token_id, sep, secret = header.removeprefix("PVEAPIToken=").partition("=")
        token = self.options.tokens.get(token_id)
        if self.faults.reject_all_auth or not sep or token is None or token.secret != secret:
            self._delay_401()
            raise ApiError(401, "authentication failure")
        return token_id

    def _delay_401(self) -> None:
        if self.options.auth_failure_delay > 0:
            time.sleep(self.options.auth_failure_delay)

    def _authorize(self, user: str, route: Route, path_params: Mapping[str, str]) -> None:
        token = self.options.tokens[user]
        if token.privileges is None or route.priv is None:
            return
        if route.priv[1] not in token.privileges:
            raise ApiError(
                403, f"Permission check failed ({acl_path(route, path_params)}, {route.priv[1]})"
            )

    def _error(self, exc: ApiError) -> tuple[int, str, bytes]:
        reason = _reason(exc.message)
        if exc.status in _EMPTY_BODY_STATUSES:
            return exc.status, reason, b""
        body: dict[str, Any] = {"data": None}
        if self.options.message_field:
            body["message"] = exc.message.rstrip("\n") + "\n"
        if exc.errors:
            body["errors"] = dict(exc.errors)
        return exc.status, reason, _json(body)


def _request_params(environ: Mapping[str, Any]) -> dict[str, Any]:
    """Query string and body merged (JSON or form encoded), as the API handler receives them."""
    params: dict[str, Any] = dict(parse_qsl(str(environ.get("QUERY_STRING", "")), True))
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    if not raw:
        return params
    if "json" in str(environ.get("CONTENT_TYPE", "")):
        try:
            body = json.loads(raw)
        except ValueError:
            raise ApiError(400, "malformed JSON request body") from None
        if not isinstance(body, dict):
            raise ApiError(400, "malformed JSON request body - expected an object")
        params.update(body)
    else:
        params.update(parse_qsl(raw.decode("utf-8", "replace"), True))
    return params


def _merge(path_params: Mapping[str, str], params: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = dict(params)
    conflicts = {
        key: _DUPLICATE
        for key, value in path_params.items()
        if key in params and str(params[key]) != value
    }
    if conflicts:
        raise param_error(conflicts)
    merged.update(path_params)
    return merged


def _envelope(result: Any) -> dict[str, Any]:
    if isinstance(result, WithTotal):
        return {"data": result.data, "total": result.total}
    return {"data": result}


def _reason(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "Error"
    return first.encode("latin-1", "replace").decode("latin-1")


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _headers(length: int) -> list[tuple[str, str]]:
    return [
        ("Content-Type", "application/json;charset=UTF-8"),
        ("Content-Length", str(length)),
        ("Cache-Control", "max-age=0"),
        ("Pragma", "no-cache"),
        ("Server", "pve-api-daemon/3.0"),
    ]
