"""Worker-side Discord notifier: Discord's REST API v10 over httpx, no gateway, no discord.py.

- ``post``/``update``: ``POST /channels/{id}/messages`` and ``PATCH …/messages/{id}`` with
  the bot token (messages outlive the 15-minute interaction token, so progress edits work
  for hours). Posts carry a ``nonce`` derived from target and text with ``enforce_nonce``:
  an at-least-once job that posts the same message again gets the first one back.
- ``notify_private`` (a read's data, passwords): the command's own ephemeral answer edited in
  place (``PATCH …/messages/@original`` with that command's interaction token), else an
  ephemeral follow-up through the requester's latest token while Redis still has one
  (``tokens.py``), else — expired, refused — a DM through the bot token.
- Cards go where ``JOTUNHEIM_CARDS_DISCORD`` says (``cards.py``): an ephemeral follow-up of
  the request's interaction by default, continued in the requester's DM.
- 429: waits ``retry_after`` and retries, a bounded number of times; a wait longer than
  ``max_wait`` is not waited for but raised (``DiscordRateLimited`` with ``retry_after``).
  What Discord said is remembered (``RateGate``): a bucket that answered 429, or whose
  ``X-RateLimit-Remaining`` reached 0, gets nothing more until it resets (``X-RateLimit-
  Reset-After``), nor anything at all during a global limit, from any thread. The worker's
  notifier (``from_env``) waits for none of this in channel posts and edits: it raises at once
  (a card's next state supersedes a skipped edit; the Reporter retries the final one once
  ``retry_after`` has passed), and edits one message at most once per ``WORKER_EDIT_INTERVAL``.
- 401 on the bot token: logged once, and every later call fails at once without a request
  (a revoked token must not make every job hammer Discord).
- httpx logs every request URL, and a webhook URL holds an interaction token: constructing a
  notifier installs ``redact.TokenRedaction`` on the URL-logging loggers (idempotent).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import redis
from pydantic import SecretStr

from bot.adapters.discord.cards import CardPlace, PrivateCards
from bot.adapters.discord.redact import install_token_redaction, redact
from bot.adapters.discord.render import message_payload
from bot.adapters.discord.settings import DiscordRestSettings
from bot.adapters.discord.tokens import InteractionTokens
from bot.adapters.ratelimit import WORKER_EDIT_INTERVAL, RateGate
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply
from bot.settings import load

log = logging.getLogger(__name__)

MAX_RATE_LIMIT_RETRIES = 5
MAX_RETRY_AFTER = 60.0  # seconds; longer waits belong to the job's own retry, not a sleep
_WEBHOOK_GONE = {401, 403, 404}
_GLOBAL = "global"
_CHANNEL_MESSAGES = re.compile(r"/channels/(?P<channel>[^/]+)/messages(?:/(?P<message>[^/]+))?")
# A private card's post (``?wait=true``) and edits, through its interaction's token: paced and
# reported at once like a channel card. Other follow-ups (a password) are waited for.
_CARD_FOLLOW_UPS = re.compile(
    r"/webhooks/\d+/(?P<token>[^/?]+)(?:/messages/(?P<message>\d+)|\?wait=true)"
)
_WEBHOOK = re.compile(r"/webhooks/\d+/(?P<token>[^/?]+)")


class DiscordApiError(RuntimeError):
    """A refused REST call; the message names status and path, never a token."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(f"Discord API {status} on {what}")
        self.status = status


class DiscordRateLimited(DiscordApiError):
    """Discord asked to wait ``retry_after`` seconds (or this notifier knows it would)."""

    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(429, what)
        self.retry_after = retry_after


class DiscordUnauthorized(DiscordApiError):
    """The bot token was refused: nothing more will be sent until the process restarts."""


class DiscordNotifier:
    def __init__(
        self,
        http: httpx.Client,
        *,
        bot_token: SecretStr,
        application_id: int,
        api_base: str = "https://discord.com/api/v10",
        tokens: InteractionTokens | None = None,
        sleep: Callable[[float], None] = time.sleep,
        cards: CardPlace = "channel",
        max_wait: float = MAX_RETRY_AFTER,
        report_at_once: bool = False,
        gate: RateGate | None = None,
    ) -> None:
        """``report_at_once``: a rate limit on a channel post or edit (not a DM) raises at once
        instead of being waited for. ``gate``: the limits this notifier learned, and how often
        it may edit one message."""
        self._http = http
        self._bot_token = bot_token
        self._app = application_id
        self._base = api_base.rstrip("/")
        self._tokens = tokens
        self._sleep = sleep
        self._unauthorized = threading.Event()
        self._max_wait = max_wait
        self._at_once = report_at_once
        self._gate = gate or RateGate()
        self._dm_channels: set[str] = set()  # private: what is sent there is worth a wait
        install_token_redaction()
        # Without the bot's tokens no card can be ephemeral: those then go to the DM.
        self._cards = cards
        self._private = (
            PrivateCards(
                application_id,
                tokens,
                send=lambda method, path, body: self._send(method, path, body, {}),
                bot=self._bot,
                check=_raise_for,
            )
            if tokens is not None and cards != "channel"
            else None
        )

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        if self._private is not None and self._cards != "channel":
            if reply.card:
                return self._private.post(target, reply, place=self._cards)
            if reply.mention and target.reply_to:  # the completion notice of a private card
                return self._private.notice(target, reply, place=self._cards)
        channel = target.thread or target.channel
        if reply.mention:  # a real mention notifies; "@alice" in text does not
            reply = reply.model_copy(update={"text": f"<@{target.requester}> {reply.text}"})
        # Only this role may be pinged, never one named in the text; it leads the content,
        # inside the content limit.
        lead = f"<@&{reply.mention_group}> " if reply.mention_group else ""
        body = message_payload(reply, lead=lead) | {
            "nonce": nonce(target, reply),
            "enforce_nonce": True,
        }
        if reply.mention or reply.mention_group:
            users = [target.requester] if reply.mention else []
            roles = [reply.mention_group] if reply.mention_group else []
            body["allowed_mentions"] = {"users": users, "roles": roles}
        if target.reply_to:
            body["message_reference"] = {"message_id": target.reply_to, "fail_if_not_exists": False}
        sent = self._bot("POST", f"/channels/{channel}/messages", body)
        return MessageRef(channel=channel, id=str(sent["id"]))

    def update(self, ref: MessageRef, reply: Reply) -> None:
        if self._private is not None and ref.request is not None:  # an ephemeral card
            self._private.update(ref, reply)
            return
        body = message_payload(reply)
        self._bot("PATCH", f"/channels/{ref.channel}/messages/{ref.id}", body)

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        if self._replaced_original(target, reply) or self._ephemeral_followup(target, reply):
            return
        dm = self._bot("POST", "/users/@me/channels", {"recipient_id": target.requester})
        self._bot("POST", f"/channels/{dm['id']}/messages", message_payload(reply))

    def _replaced_original(self, target: ReplyTarget, reply: Reply) -> bool:
        """The command's own ephemeral answer ("Looking up…"), edited to what was found."""
        if self._tokens is None or target.request is None:
            return False
        token = self._tokens.of_request(target.request)
        if token is None:
            return False
        path = f"/webhooks/{self._app}/{token.get_secret_value()}/messages/@original"
        response = self._send("PATCH", path, message_payload(reply), {})
        if response.status_code in _WEBHOOK_GONE:  # expired early, or not answered yet
            self._tokens.forget_request(target.request)
            return False
        _raise_for(response, "PATCH /webhooks/{app}/{token}/messages/@original")
        return True

    def _ephemeral_followup(self, target: ReplyTarget, reply: Reply) -> bool:
        token = self._tokens.latest(target.channel, target.requester) if self._tokens else None
        if token is None or self._tokens is None:
            return False
        path = f"/webhooks/{self._app}/{token.get_secret_value()}"
        response = self._send("POST", path, message_payload(reply, ephemeral=True), {})
        if response.status_code in _WEBHOOK_GONE:
            # Expired or invalidated early: the bot token (a DM) still reaches the person.
            self._tokens.forget(target.channel, target.requester)
            return False
        _raise_for(response, "POST /webhooks/{app}/{token}")
        return True

    def _bot(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if self._unauthorized.is_set():
            raise DiscordUnauthorized(401, f"{method} {path} (bot token refused earlier)")
        auth = {"Authorization": f"Bot {self._bot_token.get_secret_value()}"}
        response = self._send(method, path, body, auth)
        if response.status_code == 401:
            self._unauthorized.set()
            log.error("Discord refused the bot token (401): no more messages will be sent")
            raise DiscordUnauthorized(401, f"{method} {path}")
        _raise_for(response, f"{method} {path}")
        data: dict[str, Any] = response.json() if response.content else {}
        if path == "/users/@me/channels" and "id" in data:
            self._dm_channels.add(str(data["id"]))
        return data

    def _send(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> httpx.Response:
        bucket = _bucket(method, path)
        where, edited = _card_message(path)
        message = f"{where}/{edited}" if where and edited and method == "PATCH" else None
        at_once = self._at_once and where is not None and where not in self._dm_channels
        waited = False  # the last answer's retry_after has just been waited out here
        for _ in range(MAX_RATE_LIMIT_RETRIES):
            if not waited:
                self._until_open(method, path, bucket, message, at_once=at_once)
            response = self._http.request(method, self._base + path, json=body, headers=headers)
            self._learn(bucket, response)
            if response.status_code != 429:
                if message is not None and response.is_success:
                    self._gate.edited(message)
                return response
            wait = retry_after(response)
            self._gate.close(_GLOBAL if _is_global(response) else bucket, wait)
            if at_once or wait > self._max_wait:
                raise DiscordRateLimited(f"{method} {_safe(path)}", wait)
            log.warning(
                "Discord rate limit on %s %s: retrying in %.2f s", method, _safe(path), wait
            )
            self._sleep(wait)
            waited = True
        return response

    def _until_open(
        self, method: str, path: str, bucket: str, message: str | None, *, at_once: bool
    ) -> None:
        """Wait (or refuse at once) while Discord said to hold off, globally or in this
        bucket, or while this message was edited too recently."""
        pause = self._gate.wait_for(bucket, _GLOBAL)
        if message is not None:
            pause = max(pause, self._gate.edit_wait(message))
        if pause <= 0:
            return
        if at_once or pause > self._max_wait:
            raise DiscordRateLimited(f"{method} {_safe(path)} (held back)", pause)
        self._sleep(pause)

    def _learn(self, bucket: str, response: httpx.Response) -> None:
        """A bucket Discord says is used up stays closed until it resets."""
        if response.headers.get("x-ratelimit-remaining") != "0":
            return
        try:
            reset_after = float(response.headers.get("x-ratelimit-reset-after", ""))
        except ValueError:
            return
        self._gate.close(bucket, reset_after)


def _bucket(method: str, path: str) -> str:
    """Discord's buckets are per route and major parameter (the channel, the webhook: each
    interaction's token is a bucket of its own, named here by a digest, never the token)."""
    if found := _CHANNEL_MESSAGES.fullmatch(path):
        suffix = "/{message}" if found["message"] else ""
        return f"{method} /channels/{found['channel']}/messages{suffix}"
    if found := _WEBHOOK.match(path):
        rest = _WEBHOOK.sub("", path, count=1).split("?", 1)[0]
        return (
            f"{method} /webhooks/{_digest(found['token'])}{re.sub(r'/[0-9]+$', '/{message}', rest)}"
        )
    return f"{method} {_safe(path)}"


def _card_message(path: str) -> tuple[str | None, str | None]:
    """(the channel or webhook a card is posted to, the message edited) for card paths."""
    if found := _CHANNEL_MESSAGES.fullmatch(path):
        return found["channel"], found["message"]
    if found := _CARD_FOLLOW_UPS.fullmatch(path):
        return f"webhook:{_digest(found['token'])}", found["message"]
    return None, None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _is_global(response: httpx.Response) -> bool:
    if response.headers.get("x-ratelimit-global", "").lower() == "true":
        return True
    try:
        return bool(response.json().get("global"))
    except (ValueError, AttributeError):
        return False


def retry_after(response: httpx.Response) -> float:
    """Seconds to wait: the JSON ``retry_after`` (float), else the ``Retry-After`` header.
    Never shortened: a wait longer than a notifier's ``max_wait`` is raised, not slept, and
    whoever retries later must still wait all of it."""
    try:
        value = float(response.json().get("retry_after"))
    except (ValueError, TypeError, AttributeError):
        value = float(response.headers.get("retry-after", "1") or 1)
    return max(value, 0.0)


def nonce(target: ReplyTarget, reply: Reply) -> str:
    """≤ 25 characters, the same for the same message to the same place."""
    key = "|".join((target.channel, target.thread or "", target.requester, reply.plain()))
    return hashlib.sha256(key.encode()).hexdigest()[:25]


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.status_code == 429:
        raise DiscordRateLimited(_safe(what), retry_after(response))
    if response.status_code >= 400:
        raise DiscordApiError(response.status_code, _safe(what))


def _safe(path: str) -> str:
    # Webhook paths embed the interaction token; never let one reach a log line.
    return redact(path)


def from_env(redis_client: redis.Redis, prefix: str) -> DiscordNotifier:
    """For workers (``DISCORD_BOT_TOKEN``, ``DISCORD_APPLICATION_ID``); imported lazily by name,
    since ``bot/`` must not import the adapters. The interaction tokens the bot remembered
    in Redis (same prefix) make private follow-ups ephemeral instead of DMs."""
    settings = load(DiscordRestSettings)
    return worker_notifier(
        httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0)),
        bot_token=settings.bot_token,
        application_id=settings.application_id,
        api_base=settings.api_base,
        tokens=InteractionTokens(redis_client, prefix=prefix),
        cards=settings.cards,
    )


def worker_notifier(
    http: httpx.Client, *, clock: Callable[[], float] = time.monotonic, **options: Any
) -> DiscordNotifier:
    """The worker's notifier: reports a card's rate limits at once, paces its edits."""
    gate = RateGate(min_edit_interval=WORKER_EDIT_INTERVAL, clock=clock)
    return DiscordNotifier(http, report_at_once=True, gate=gate, **options)
