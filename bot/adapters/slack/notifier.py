"""``Notifier`` on the Slack Web API with the bot token.

Workers post the UPID with ``chat.postMessage`` (in the request's thread when there is one)
and edit that one message for progress and outcome with ``chat.update``. Private output (a
read's data, passwords) replaces the request's ephemeral ack through the ``response_url`` the
bot kept in Redis (``responses.py``) while Slack takes it (30 minutes, 5 uses), and otherwise
goes through ``chat.postEphemeral`` to the requester; never into the channel.

Delivery: a 429 waits exactly ``Retry-After`` and retries; connection errors and Slack 5xx
back off and retry; an edit that Slack refuses (message deleted, too old) is re-posted as a
new message so the outcome is never lost. When the budget is spent, ``SlackDeliveryError``
tells the caller (the job) to retry later, with ``retry_after`` when Slack named one.

Rate limits are remembered (``RateGate``): after a 429 nothing more goes to that method in
that channel until ``Retry-After`` has passed, from any thread. The worker's notifier
(``from_env``) waits for none of them in its posts and edits: it reports the limit at once
with ``retry_after`` (a card's next state supersedes a skipped edit; the final one is retried
by the Reporter once ``Retry-After`` has passed), and edits one message at most once per
``WORKER_EDIT_INTERVAL``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any

import redis
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from bot.adapters.ratelimit import WORKER_EDIT_INTERVAL, RateGate
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply

from .blocks import message_payload
from .responses import ResponseUrls
from .settings import CardPlace

log = logging.getLogger(__name__)

_TRANSIENT_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
_EDIT_REFUSED = {"message_not_found", "cant_update_message", "edit_window_closed"}
# What the worker's notifier never waits for: a card's edits and posts (see the docstring).
WORKER_REPORTS_AT_ONCE = frozenset({"chat.postMessage", "chat.update"})


class SlackDeliveryError(RuntimeError):
    """A message could not be delivered; ``retryable`` says whether trying later can help."""

    def __init__(
        self, method: str, error: str, *, retryable: bool, retry_after: float | None = None
    ) -> None:
        super().__init__(f"slack {method} failed: {error}")
        self.method = method
        self.error = error
        self.retryable = retryable
        self.retry_after = retry_after


class SlackNotifier:
    def __init__(
        self,
        client: WebClient,
        *,
        attempts: int = 5,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        responses: ResponseUrls | None = None,
        webhook: Callable[[str], WebhookClient] = lambda url: WebhookClient(url, timeout=10),
        cards: CardPlace = "channel",
        report_at_once: Collection[str] = (),
        gate: RateGate | None = None,
    ) -> None:
        """``report_at_once``: Web API methods whose rate limit raises ``SlackDeliveryError``
        with ``retry_after`` at once instead of being waited for (``max_wait`` bounds the wait
        of the others). ``gate``: the limits this notifier learned, and how often it may edit
        one message."""
        self._client = client
        self._cards = cards
        self._responses = responses
        self._webhook = webhook
        self._attempts = attempts
        self._max_wait = max_wait
        self._sleep = sleep
        self._at_once = frozenset(report_at_once)
        self._gate = gate or RateGate()

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        if reply.mention:  # a real mention notifies; "@alice" in text does not
            reply = reply.model_copy(
                update={"text": f"<@{_user_id(target.requester)}> {reply.text}"}
            )
        if reply.mention_group:
            group = f"<!subteam^{reply.mention_group}>"
            reply = reply.model_copy(update={"text": f"{group} {reply.text}"})
        # Cards (and their completion notice, in the card's thread) go to the requester's DM
        # when JOTUNHEIM_CARDS_SLACK=dm: posting to a user id posts in their DM with the app.
        private = self._cards == "dm" and (reply.card or (reply.mention and target.reply_to))
        channel = _user_id(target.requester) if private else target.channel
        payload: dict[str, Any] = {"channel": channel, **message_payload(reply)}
        thread = target.reply_to or (None if private else target.thread)
        if thread:
            payload["thread_ts"] = thread
        response = self._call("chat.postMessage", payload)
        return MessageRef(channel=str(response["channel"]), id=str(response["ts"]))

    def update(self, ref: MessageRef, reply: Reply) -> None:
        payload = {"channel": ref.channel, "ts": ref.id, **message_payload(reply)}
        try:
            self._call("chat.update", payload)
        except SlackDeliveryError as exc:
            if exc.error not in _EDIT_REFUSED:
                raise
            log.warning("slack refused to edit %s (%s); posting the update anew", ref.id, exc.error)
            self._call("chat.postMessage", {"channel": ref.channel, **message_payload(reply)})

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        """In place of the request's own ephemeral answer while Slack still takes its
        response_url (the data replaces "Looking up…"), else as a new ephemeral message."""
        if self._replaced(target, reply):
            return
        self.ephemeral(target.channel, _user_id(target.requester), reply, thread=target.thread)

    def _replaced(self, target: ReplyTarget, reply: Reply) -> bool:
        url = self._responses.of(target.request) if self._responses and target.request else None
        if url is None or self._responses is None or target.request is None:
            return False
        payload = {"replace_original": True, "response_type": "ephemeral", **message_payload(reply)}
        try:
            answer = self._webhook(url.get_secret_value()).send_dict(payload)
        except OSError as exc:  # unreachable: the ephemeral message still gets there
            log.warning("slack response_url failed (%s); answering anew", type(exc).__name__)
            return False
        if answer.status_code != 200:  # used up or expired early
            log.info("slack refused a response_url (HTTP %s); answering anew", answer.status_code)
            self._responses.forget(target.request)
            return False
        return True

    def ephemeral(self, channel: str, user: str, reply: Reply, thread: str | None = None) -> None:
        """Visible to ``user`` only, in ``channel`` (never posted to the channel itself)."""
        payload: dict[str, Any] = {"channel": channel, "user": user, **message_payload(reply)}
        if thread:
            payload["thread_ts"] = thread
        self._call("chat.postEphemeral", payload)

    def _call(self, method: str, payload: Mapping[str, Any]) -> SlackResponse:
        # Slack limits chat.postMessage per channel and the other methods per workspace;
        # per method and channel is never looser than either.
        bucket = f"{method} {payload.get('channel', '')}"
        edited = method == "chat.update"
        message = f"{payload.get('channel')} {payload.get('ts')}" if edited else None
        last = "no attempt made"
        waited = False  # the last attempt's Retry-After has just been waited out here
        for attempt in range(1, self._attempts + 1):
            if not waited:
                self._until_open(method, bucket, message)
            try:
                response = self._client.api_call(method, json=dict(payload))
            except SlackApiError as exc:
                wait, last = self._wait_for_api_error(method, exc, attempt, bucket)
            except OSError as exc:  # connection refused/reset, DNS, timeouts (URLError)
                wait, last = self._backoff(attempt), type(exc).__name__
            else:
                if message is not None:
                    self._gate.edited(message)
                return response
            waited = last == "ratelimited"
            if attempt < self._attempts:
                log.info("slack %s: %s; retrying in %.1f s", method, last, wait)
                self._sleep(wait)
        retry_after = self._gate.wait_for(bucket) or None
        raise SlackDeliveryError(method, last, retryable=True, retry_after=retry_after)

    def _until_open(self, method: str, bucket: str, message: str | None) -> None:
        """Wait (or, for ``report_at_once`` methods, refuse at once) while Slack said to hold
        off in this bucket, or while this message was edited too recently."""
        closed = self._gate.wait_for(bucket)
        too_soon = self._gate.edit_wait(message) if message is not None else 0.0
        pause = max(closed, too_soon)
        if pause <= 0:
            return
        if method in self._at_once or pause > self._max_wait:
            error = "ratelimited" if closed >= too_soon else "edited_too_recently"
            raise SlackDeliveryError(method, error, retryable=True, retry_after=pause)
        self._sleep(pause)

    def _wait_for_api_error(
        self, method: str, exc: SlackApiError, attempt: int, bucket: str
    ) -> tuple[float, str]:
        status = int(exc.response.status_code)
        error = str(exc.response.get("error") or f"http {status}")
        if status == 429:
            retry_after = _retry_after(exc.response.headers)
            self._gate.close(bucket, retry_after)
            if method in self._at_once or retry_after > self._max_wait:
                # Longer than a worker should block: the job reschedules itself instead.
                raise SlackDeliveryError(
                    method, "ratelimited", retryable=True, retry_after=retry_after
                ) from None
            return retry_after, "ratelimited"
        if status >= 500 or error in _TRANSIENT_ERRORS:
            return self._backoff(attempt), error
        raise SlackDeliveryError(method, error, retryable=False) from None

    def _backoff(self, attempt: int) -> float:
        return float(min(2 ** (attempt - 1), self._max_wait))


def _retry_after(headers: Mapping[str, Any]) -> float:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(float(raw), 0.0)
            except (TypeError, ValueError):
                break
    return 1.0


def _user_id(requester: str) -> str:
    """``ReplyTarget.requester`` may be a bare Slack user id or an ``Identity.key``."""
    return requester.rsplit(":", 1)[-1]


def build_client(token: str, api_url: str, timeout: int = 10) -> WebClient:
    """A WebClient whose retries are ours (``SlackNotifier``), not slack_sdk's defaults.

    Its logger is pinned at INFO: at DEBUG slack_sdk logs every JSON body it sends, and a
    ``chat.postEphemeral`` body can hold a generated password.
    """
    sdk_log = logging.getLogger(f"{__name__}.sdk")
    sdk_log.setLevel(logging.INFO)
    return WebClient(
        token=token, base_url=api_url, timeout=timeout, retry_handlers=[], logger=sdk_log
    )


def from_env(redis_client: redis.Redis | None = None, prefix: str = "jh") -> SlackNotifier:
    """For workers (``SLACK_BOT_TOKEN``, optional ``SLACK_API_URL``); import it lazily by name,
    ``bot.adapters.slack.notifier:from_env``, since ``bot/`` must not import the adapters.
    The response URLs the bot kept in Redis (same prefix) let answers replace its acks."""
    from bot.settings import load  # noqa: PLC0415  (settings are read only when asked)

    from .settings import SlackSettings  # noqa: PLC0415

    settings = load(SlackSettings)
    client = build_client(settings.bot_token.get_secret_value(), settings.api_url)
    responses = ResponseUrls(redis_client, prefix=prefix) if redis_client is not None else None
    return worker_notifier(client, responses=responses, cards=settings.cards)


def worker_notifier(
    client: WebClient, *, clock: Callable[[], float] = time.monotonic, **options: Any
) -> SlackNotifier:
    """The worker's notifier: reports a card's rate limits at once, paces its edits."""
    gate = RateGate(min_edit_interval=WORKER_EDIT_INTERVAL, clock=clock)
    return SlackNotifier(client, report_at_once=WORKER_REPORTS_AT_ONCE, gate=gate, **options)
