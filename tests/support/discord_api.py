"""A local mock of the parts of Discord's REST API v10 the notifier uses: a threaded stdlib
HTTP server on 127.0.0.1 that checks the bot token, honours nonce + enforce_nonce, knows
which interaction tokens are alive, and can be scripted to answer 429 or 401.

``rate_limit`` makes channel message posts and edits rate-limited as Discord does it: a
fixed window per route and channel, told in ``X-RateLimit-*`` headers on every answer, 429
with a JSON ``retry_after`` beyond it, and now and then a global 429 on top. ``ledger`` holds
every message's history and every 429 served."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.rate_limits import Clock, FixedWindows, Ledger, whole_seconds

BOT_TOKEN = "test-bot-token-not-real"
APP_ID = 99


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Scripted:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


_BOT_USER = {
    "id": "1000",
    "username": "jotunheim",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}


def _app_info() -> dict[str, Any]:
    return {
        "id": str(APP_ID),
        "name": "Jotunheim",
        "description": "",
        "icon": None,
        "bot_public": False,
        "bot_require_code_grant": False,
        "owner": _BOT_USER,
        "verify_key": "0" * 64,
        "flags": 0,
    }


_MESSAGES = re.compile(r"/channels/(\w+)/messages(?:/(\d+))?")
# An interaction's follow-ups (ephemeral cards): posted to, and edited through, its token.
_FOLLOW_UPS = re.compile(r"/webhooks/\d+/([^/?]+)(?:/messages/(\d+))?")


def _messages(path: str) -> tuple[str, str | None] | None:
    """(where: a channel, or ``webhook:<token>``; the message edited, if one) of a request
    that posts or edits a message; None for any other."""
    path = path.removeprefix("/api/v10").split("?", 1)[0]
    if found := _MESSAGES.fullmatch(path):
        return found[1], found[2]
    if found := _FOLLOW_UPS.fullmatch(path):
        return f"webhook:{found[1]}", found[2]
    return None


class MockDiscordApi:
    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self.ledger = Ledger(clock)
        self._windows: FixedWindows | None = None
        self._global_every = 0
        self._global_wait = 0.0
        self._global_until = 0.0
        self._limited_count = 0
        self._others_every = 0
        self.calls: list[Call] = []
        # Each call with its answer: a posted message's id is only in the answer.
        self.answered: list[tuple[Call, Scripted]] = []
        self.live_tokens: set[str] = set()
        # A fake interaction's token is good from the moment it exists (Discord's is good
        # from the interaction's creation) until a test expires it here.
        self.expired_tokens: set[str] = set()
        self.messages: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[Any]] = {}  # "global" or a guild id → commands
        self._nonces: dict[str, str] = {}
        self._scripts: list[Scripted] = []
        self._ids = itertools.count(5000)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/v10"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def token_alive(self, token: str) -> bool:
        if token in self.expired_tokens:
            return False
        return token in self.live_tokens or token.startswith("interaction-token-")

    def rate_limit(
        self,
        *,
        limit: int = 2,
        per: float = 1.0,
        global_every: int = 0,
        global_wait: float = 0.5,
        others_every: int = 0,
    ) -> None:
        """Per channel, ``limit`` message posts and ``limit`` edits in each ``per`` seconds;
        every ``global_every``-th of those requests (0: never) meets a global limit of
        ``global_wait`` seconds, during which every such request gets 429. Before every
        ``others_every``-th request (0: never) another client on the same token (another
        worker process) used one request of its bucket: the headers the client saw last
        promised one more than there is."""
        with self._lock:
            self._windows = FixedWindows(limit, per)
            self._global_every, self._global_wait = global_every, global_wait
            self._others_every = others_every

    def script(self, *answers: Scripted) -> None:
        """The next requests (any path) get these answers, in order."""
        self._scripts.extend(answers)

    def answer(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> Scripted:
        call = Call(method, path, body, headers)
        with self._lock:
            now = self.ledger.clock()
            self.calls.append(call)
            found = _messages(path)
            route = (method, found[0]) if found and method in ("POST", "PATCH") else None
            subject = _subject(method, found, body) if route else None
            if subject is not None and route is not None:
                for held in (subject, ("bucket", *route), ("global",)):
                    self.ledger.attempt(held, now)
            if self._scripts:
                answer = self._scripts.pop(0)
            elif route is not None and self._windows is not None:
                answer = self._limited(route, subject, now) or self._route(
                    method, path, body, headers
                )
                answer.headers.update(self._window_headers)
            else:
                answer = self._route(method, path, body, headers)
            if found is not None:
                self._keep(method, found, body, answer, now)
            self.answered.append((call, answer))
            return answer

    def _limited(self, route: tuple[str, str], subject: Any, now: float) -> Scripted | None:
        """A 429 (global or for this route's bucket), or None: go ahead. Leaves the bucket's
        ``X-RateLimit-*`` headers in ``_window_headers``."""
        assert self._windows is not None
        self._window_headers: dict[str, str] = {}
        self._limited_count += 1
        every = self._global_every
        if now < self._global_until or (every and self._limited_count % every == 0):
            if now >= self._global_until:
                self._global_until = now + self._global_wait
            wait = self._global_until - now
            for held in (subject, ("global",)):
                self.ledger.refuse(held, now, wait, "global")
            headers = {"x-ratelimit-global": "true", "x-ratelimit-scope": "global"}
            return _too_many(wait, headers, is_global=True)
        if self._others_every and self._limited_count % self._others_every == 0:
            self._windows.spend(route, now)
        window = self._windows.take(route, now)
        bucket = "create-message" if route[0] == "POST" else "edit-message"
        self._window_headers = {
            "x-ratelimit-limit": str(window.limit),
            "x-ratelimit-remaining": str(window.remaining),
            "x-ratelimit-reset": f"{time.time() + window.reset_after:.3f}",
            "x-ratelimit-reset-after": f"{window.reset_after:.3f}",
            "x-ratelimit-bucket": f"{bucket}-{route[1]}",
        }
        if not window.wait:
            return None
        for held in (subject, ("bucket", *route)):
            self.ledger.refuse(held, now, window.wait, "bucket")
        return _too_many(window.wait, {"x-ratelimit-scope": "user"}, is_global=False)

    def _keep(
        self,
        method: str,
        found: tuple[str, str | None],
        body: dict[str, Any],
        answer: Scripted,
        now: float,
    ) -> None:
        """Each message's history: posted, then every accepted or refused edit."""
        where, edited = found
        if method == "POST" and answer.status == 200 and not edited:
            message = str(answer.body.get("id"))
            if message not in self.ledger.histories:  # a nonce's repeat is the same message
                self.ledger.posted(where, message, body, now)
        elif method == "PATCH" and edited and answer.status == 200:
            self.ledger.edited(edited, body, now)
        elif method == "PATCH" and edited and answer.status == 429:
            self.ledger.edit_refused(edited, now)

    def _route(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> Scripted:
        path = path.removeprefix("/api/v10").split("?", 1)[0]  # ?wait=true: same answer here
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/?]+)", path):
            if not self.token_alive(match[2]):
                return Scripted(404, {"message": "Unknown Webhook", "code": 10015})
            return Scripted(200, self._store("interaction", body))
        if (match := re.fullmatch(r"/webhooks/(\d+)/([^/?]+)/messages/@original", path)) and (
            method == "PATCH"
        ):
            if not self.token_alive(match[2]):
                return Scripted(404, {"message": "Unknown Webhook", "code": 10015})
            return Scripted(200, {"id": "original", **body})
        if (match := re.fullmatch(r"/webhooks/(\d+)/([^/?]+)/messages/(\d+)", path)) and (
            method == "PATCH"
        ):  # a follow-up, edited through its interaction's token
            if not self.token_alive(match[2]):
                return Scripted(404, {"message": "Unknown Webhook", "code": 10015})
            if match[3] not in self.messages:
                return Scripted(404, {"message": "Unknown Message", "code": 10008})
            self.messages[match[3]].update(body)
            return Scripted(200, self.messages[match[3]])
        if headers.get("authorization") != f"Bot {BOT_TOKEN}":
            return Scripted(401, {"message": "401: Unauthorized", "code": 0})
        if path == "/users/@me" and method == "GET":  # login
            return Scripted(200, _BOT_USER)
        if path == "/oauth2/applications/@me" and method == "GET":  # login, after the user
            return Scripted(200, _app_info())
        if (match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", path)) and (
            method == "PUT"
        ):
            return Scripted(200, self._registered(match[1], match[2], body))
        if path == "/users/@me/channels" and method == "POST":
            return Scripted(200, {"id": f"dm{body['recipient_id']}", "type": 1})
        if (match := re.fullmatch(r"/channels/(\w+)/messages", path)) and method == "POST":
            if body.get("enforce_nonce") and body.get("nonce") in self._nonces:
                return Scripted(200, self.messages[self._nonces[body["nonce"]]])
            message = self._store(match[1], body)
            if body.get("enforce_nonce"):
                self._nonces[body["nonce"]] = message["id"]
            return Scripted(200, message)
        if (match := re.fullmatch(r"/channels/(\w+)/messages/(\d+)", path)) and method == "PATCH":
            if match[2] not in self.messages:
                return Scripted(404, {"message": "Unknown Message", "code": 10008})
            self.messages[match[2]].update(body)
            return Scripted(200, self.messages[match[2]])
        return Scripted(404, {"message": "404: Not Found", "code": 0})

    _window_headers: dict[str, str] = {}

    def _registered(self, app: str, guild: str | None, commands: Any) -> Any:
        """What Discord answers a bulk overwrite with: the commands, now with ids."""
        self.commands[guild or "global"] = list(commands)
        base = {"application_id": app, "version": "1", "type": 1, "options": []}
        extra = {"guild_id": guild} if guild else {}
        return [{**base, **command, **extra, "id": str(next(self._ids))} for command in commands]

    def _store(self, channel: str, body: dict[str, Any]) -> dict[str, Any]:
        message = {"id": str(next(self._ids)), "channel_id": channel, **body}
        self.messages[message["id"]] = message
        return message

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = api.answer(self.command, self.path, body, headers)
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet test output

        return Handler


def _subject(method: str, found: tuple[str, str | None] | None, body: dict[str, Any]) -> Any:
    """What a repeated request asks for: the same edit, or the same message posted."""
    if found is None:
        return None
    where, edited = found
    if method == "PATCH" and edited:
        return ("edit", where, edited)
    return ("post", where, body.get("nonce") or body.get("content"))


def _too_many(wait: float, headers: dict[str, str], *, is_global: bool) -> Scripted:
    body = {"message": "You are being rate limited.", "retry_after": round(wait, 3)}
    answer = Scripted(429, {**body, "global": is_global}, dict(headers))
    answer.headers["retry-after"] = str(whole_seconds(wait))
    return answer
