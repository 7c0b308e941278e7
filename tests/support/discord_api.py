"""A local mock of the parts of Discord's REST API v10 the notifier uses: a threaded stdlib
HTTP server on 127.0.0.1 that checks the bot token, honours nonce + enforce_nonce, knows
which interaction tokens are alive, and can be scripted to answer 429 or 401."""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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


class MockDiscordApi:
    def __init__(self) -> None:
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

    def script(self, *answers: Scripted) -> None:
        """The next requests (any path) get these answers, in order."""
        self._scripts.extend(answers)

    def answer(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> Scripted:
        call = Call(method, path, body, headers)
        with self._lock:
            self.calls.append(call)
            if self._scripts:
                answer = self._scripts.pop(0)
            else:
                answer = self._route(method, path, body, headers)
            self.answered.append((call, answer))
            return answer

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
