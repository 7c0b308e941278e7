"""Worker-side Discord notifier: Discord's REST API v10 over httpx, no gateway, no discord.py.

- ``post``/``update``: ``POST /channels/{id}/messages`` and ``PATCH …/messages/{id}`` with
  the bot token (messages outlive the 15-minute interaction token, so progress edits work
  for hours). Posts carry a ``nonce`` derived from target and text with ``enforce_nonce``:
  an at-least-once job that posts the same message again gets the first one back.
- ``notify_private`` (a read's data, passwords): the command's own ephemeral answer edited in
  place (``PATCH …/messages/@original`` with that command's interaction token), else an
  ephemeral follow-up through the requester's latest token while Redis still has one
  (``tokens.py``), else — expired, refused — a DM through the bot token.
- 429: waits ``retry_after`` and retries, a bounded number of times.
- 401 on the bot token: logged once, and every later call fails at once without a request
  (a revoked token must not make every job hammer Discord).
- httpx logs every request URL, and a webhook URL holds an interaction token: constructing a
  notifier installs ``redact.TokenRedaction`` on the URL-logging loggers (idempotent).
"""

from __future__ import annotations

import hashlib
import logging
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
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply
from bot.settings import load

log = logging.getLogger(__name__)

MAX_RATE_LIMIT_RETRIES = 5
MAX_RETRY_AFTER = 60.0  # seconds; longer waits belong to the job's own retry, not a sleep
_WEBHOOK_GONE = {401, 403, 404}


class DiscordApiError(RuntimeError):
    """A refused REST call; the message names status and path, never a token."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(f"Discord API {status} on {what}")
        self.status = status


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
    ) -> None:
        self._http = http
        self._bot_token = bot_token
        self._app = application_id
        self._base = api_base.rstrip("/")
        self._tokens = tokens
        self._sleep = sleep
        self._unauthorized = threading.Event()
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
        return data

    def _send(
        self, method: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> httpx.Response:
        for _ in range(MAX_RATE_LIMIT_RETRIES):
            response = self._http.request(method, self._base + path, json=body, headers=headers)
            if response.status_code != 429:
                return response
            wait = retry_after(response)
            log.warning(
                "Discord rate limit on %s %s: retrying in %.2f s", method, _safe(path), wait
            )
            self._sleep(wait)
        return response


def retry_after(response: httpx.Response) -> float:
    """Seconds to wait: the JSON ``retry_after`` (float), else the ``Retry-After`` header."""
    try:
        value = float(response.json().get("retry_after"))
    except (ValueError, TypeError, AttributeError):
        value = float(response.headers.get("retry-after", "1") or 1)
    return min(max(value, 0.0), MAX_RETRY_AFTER)


def nonce(target: ReplyTarget, reply: Reply) -> str:
    """≤ 25 characters, the same for the same message to the same place."""
    key = "|".join((target.channel, target.thread or "", target.requester, reply.plain()))
    return hashlib.sha256(key.encode()).hexdigest()[:25]


def _raise_for(response: httpx.Response, what: str) -> None:
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
    return DiscordNotifier(
        httpx.Client(timeout=httpx.Timeout(10.0, connect=5.0)),
        bot_token=settings.bot_token,
        application_id=settings.application_id,
        api_base=settings.api_base,
        tokens=InteractionTokens(redis_client, prefix=prefix),
        cards=settings.cards,
    )
