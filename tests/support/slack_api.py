"""Test and benchmark kit, never used by the running bot: a local mock Slack Web API,
signed requests, and ``dispatch`` through a bolt App.

Like bolt-python's own tests: a threaded stdlib HTTP server on 127.0.0.1 answers the Web API
methods we call and records every call; the App's WebClient points at it through
``base_url``; requests are signed with the signing secret and go through ``App.dispatch``.
It lives in ``tests/support`` (bolt-python keeps its mock Web API server under ``tests/``
too) so that the installed package carries no test code; ``bench/`` imports it from here.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode

from pydantic import SecretStr
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient

from bot.adapters.slack.settings import SlackSettings
from tests.support.rate_limits import Clock, Ledger, TokenBucket, whole_seconds

# Fixed test credentials: they only ever reach the local mock server.
SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token-not-real"
TEAM = "T0001"
ADMIN_CHANNEL = "CADMIN"


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class WebApi(Protocol):
    """Where a Slack Web API answers: the in-process mock, or one in another process."""

    @property
    def base_url(self) -> str: ...


class MockSlackApi:
    """Answers auth.test, chat.postMessage, chat.update, chat.postEphemeral and response
    URLs (``/response/...``); ``script`` queues failures for a method; ``rate_limit`` makes
    methods answer 429 with ``Retry-After`` when a channel gets more than Slack allows.
    ``ledger`` holds every posted message's history and every 429 served."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self.ledger = Ledger(clock)
        self._limits: dict[str, TokenBucket] = {}
        self.calls: list[Call] = []
        # Each call with its answer: a posted message's ``ts`` is only in the answer.
        self.answered: list[tuple[Call, Scripted]] = []
        self._scripts: dict[str, list[Scripted]] = {}
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/response/{name}"

    def __enter__(self) -> MockSlackApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, method: str, *responses: Scripted) -> None:
        with self._lock:
            self._scripts.setdefault(method, []).extend(responses)

    def rate_limit(self, *methods: str, rate: float = 1.0, burst: int = 3) -> None:
        """Each of ``methods`` allows ``rate`` calls a second per channel, ``burst`` at once
        (``chat.postMessage``'s limit; Slack's tiers are per workspace and looser)."""
        with self._lock:
            for method in methods:
                self._limits[method] = TokenBucket(rate, burst)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def _answer(self, method: str, body: dict[str, Any], headers: dict[str, str]) -> Scripted:
        call = Call(method, body, headers)
        with self._lock:
            now = self.ledger.clock()
            self.calls.append(call)
            subject = _subject(method, body)
            bucket = ("bucket", method, body.get("channel"))
            if subject is not None:
                self.ledger.attempt(subject, now)
                self.ledger.attempt(bucket, now)
            queued = self._scripts.get(method)
            if queued:
                answer = queued.pop(0)
            else:
                answer = self._limited(method, body, (subject, bucket), now) or Scripted(
                    200, _success(method, body, f"1700000000.{next(self._ts):06d}")
                )
            self._keep(method, body, answer, now)
            self.answered.append((call, answer))
        return answer

    def _limited(
        self, method: str, body: dict[str, Any], subjects: tuple[Any, Any], now: float
    ) -> Scripted | None:
        bucket = self._limits.get(method)
        wait = bucket.take(str(body.get("channel")), now) if bucket is not None else 0.0
        if not wait:
            return None
        retry_after = whole_seconds(wait)
        for subject in subjects:  # that message, and anything in that method and channel
            self.ledger.refuse(subject, now, retry_after, "bucket")
        return Scripted(
            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        )

    def _keep(self, method: str, body: dict[str, Any], answer: Scripted, now: float) -> None:
        """Each message's history: posted, then every accepted or refused edit."""
        if method == "chat.postMessage" and answer.body.get("ok"):
            self.ledger.posted(str(body.get("channel")), str(answer.body["ts"]), body, now)
        elif method == "chat.update" and answer.body.get("ok"):
            self.ledger.edited(str(body.get("ts")), body, now)
        elif method == "chat.update" and answer.status == 429:
            self.ledger.edit_refused(str(body.get("ts")), now)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                method = self.path.removeprefix("/api/")
                answer = api._answer(method, _parse(raw), dict(self.headers.items()))
                data = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _subject(method: str, body: dict[str, Any]) -> Any:
    """What a repeated request asks for: the same edit, or the same message posted."""
    if method == "chat.update":
        return ("edit", body.get("channel"), body.get("ts"))
    if method == "chat.postMessage":
        return ("post", body.get("channel"), body.get("thread_ts"), body.get("text"))
    return None


def _parse(raw: str) -> dict[str, Any]:
    if raw.startswith("{"):
        parsed: dict[str, Any] = json.loads(raw)
        return parsed
    return {k: v[0] for k, v in parse_qs(raw).items()}


def _success(method: str, body: dict[str, Any], ts: str) -> dict[str, Any]:
    if method == "auth.test":
        return {"ok": True, "team_id": TEAM, "user_id": "UBOT", "bot_id": "BBOT", "team": "t"}
    if method == "chat.postEphemeral":
        return {"ok": True, "message_ts": ts}
    if method in {"chat.postMessage", "chat.update"}:
        return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts") or ts}
    return {"ok": True}


def settings(api: WebApi, **overrides: Any) -> SlackSettings:
    values: dict[str, Any] = {
        "bot_token": SecretStr(BOT_TOKEN),
        "signing_secret": SecretStr(SIGNING_SECRET),
        "mode": "http",
        "api_url": api.base_url,
    }
    values.update(overrides)
    return SlackSettings(_env_file=None, **values)


def signed_headers(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": f"v0={digest}",
    }


def command_body(
    text: str, *, command: str = "/server", user: str = "UCUST", trigger: str = "trig-1"
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "acme",
            "channel_id": "CGENERAL",
            "channel_name": "general",
            "user_id": user,
            "user_name": "carol",
            "command": command,
            "text": text,
            "api_app_id": "A0001",
            "response_url": "https://hooks.slack.invalid/commands/1",
            "trigger_id": trigger,
        }
    )


def action_body(
    action_id: str,
    value: str,
    *,
    user: str = "UADMIN",
    trigger: str = "click-1",
    message_ts: str = "1700000000.000001",
    response_url: str = "https://hooks.slack.invalid/actions/1",
    ephemeral: bool = False,
) -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "acme"},
        "user": {"id": user, "username": "alice", "team_id": TEAM},
        "api_app_id": "A0001",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": ADMIN_CHANNEL,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": trigger,
        "channel": {"id": ADMIN_CHANNEL, "name": "admins"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": "1700000001.000100",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


def dispatch(bolt: App, body: str, headers: dict[str, str]) -> tuple[int, str]:
    """One HTTP request through the App, as the WSGI adapter would hand it over."""
    response = bolt.dispatch(BoltRequest(body=body, headers=dict(headers)))
    return response.status, response.body


def bare_app(api: WebApi, *, process_before_response: bool) -> App:
    """The anchor for benchmarks: a bolt App whose /server listener only acks."""
    client = WebClient(token=BOT_TOKEN, base_url=api.base_url, retry_handlers=[])
    bolt = App(
        client=client,
        signing_secret=SIGNING_SECRET,
        process_before_response=process_before_response,
    )

    @bolt.command("/server")
    def ack_only(ack: Ack) -> None:
        ack("ok")

    return bolt
