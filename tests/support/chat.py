"""What people see: one recorder for every message of a conversation, whoever sent it.

``ChatRecorder`` is the ``Notifier`` of both the bot and the workers in the testbot, and it
also records the bot's direct answers to commands and clicks. Each entry knows where it was
shown (a channel, or one person privately), so ``seen(user)`` answers "what did this person
see, in order": their own answers, posts and edits in channels they are in, and private
messages to them.

It is also the suite's one notifier fake for tests below the testbot (a worker context of
their own, a ``RoutingNotifier``): ``notified()`` is what went through the ``Notifier`` port,
``current_texts()`` every posted message as it reads now, and ``fail_next(n)`` a chat API
outage (``NotifierDown``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.ports.notify import CardShown, MessageRef, ReplyTarget, post_then
from bot.ports.reply import Reply

How = Literal["reply", "post", "edit", "private"]
# What a Notifier call shows; "reply" is the bot's direct answer, which no Notifier sends.
Notified = Literal["post", "edit", "private"]
NOTIFIED: tuple[Notified, ...] = ("post", "edit", "private")


class NotifierDown(RuntimeError):
    """What the recorder raises while it is told to fail (a chat API outage)."""


@dataclass(frozen=True)
class Shown:
    """One thing shown: ``channel`` for posts and edits; ``only`` for answers and private
    messages (the one person who saw it); ``message`` for posts and their edits; ``target``
    where a Notifier was asked to show a post or private message (its channel and thread);
    ``payload`` what a platform kit's mock API was sent for it, as the platform got it (the
    screenshots render these)."""

    how: How
    reply: Reply
    channel: str | None = None
    only: str | None = None
    message: str | None = None
    target: ReplyTarget | None = None
    payload: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.reply.plain()

    @property
    def delivered_privately(self) -> bool:
        """Sent to one person after the answer: a private message, or the answer replaced
        in place with what the worker found (Slack's response_url, Discord's @original)."""
        return self.how == "private" or (self.how == "edit" and self.only is not None)


class ChatRecorder:
    """A thread-safe ``Notifier`` that records everything (an in-process worker posts too)."""

    def __init__(self) -> None:
        self.shown: list[Shown] = []
        self.current: dict[str, Reply] = {}
        self.channel_of: dict[str, str] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._failures_left = 0
        self._edits_refused: list[str] = []
        # Which entries of ``shown`` a Notifier call made (not an answer, nor a click's edit).
        self._by_notifier: set[int] = set()

    # -- Notifier ---------------------------------------------------------------------------
    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        with self._lock:
            self._maybe_fail()
            ref = MessageRef(channel=target.channel, id=f"m{next(self._ids)}")
            self.current[ref.id] = reply
            self.channel_of[ref.id] = target.channel
            self._notifier_shows(
                Shown("post", reply, channel=target.channel, message=ref.id, target=target)
            )
            return ref

    def post_card(self, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
        post_then(self, target, reply, shown)

    def update(self, ref: MessageRef, reply: Reply) -> None:
        with self._lock:
            self._maybe_fail()
            if self._edits_refused and self._edits_refused[0] in reply.text:
                self._edits_refused.pop(0)
                raise NotifierDown("edit refused (rate limited)")
            if ref.id not in self.current:
                raise KeyError(f"no message {ref.id} to edit")
            self.current[ref.id] = reply
            self._notifier_shows(Shown("edit", reply, channel=ref.channel, message=ref.id))

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        with self._lock:
            self._maybe_fail()
            self._notifier_shows(Shown("private", reply, only=target.requester, target=target))

    def _notifier_shows(self, shown: Shown) -> None:
        self._by_notifier.add(len(self.shown))
        self.shown.append(shown)

    # -- a chat API outage ------------------------------------------------------------------
    def fail_next(self, count: int = 1) -> None:
        """The next ``count`` Notifier calls raise ``NotifierDown`` and show nothing (the
        bot's direct answers are not Notifier calls: they still arrive)."""
        with self._lock:
            self._failures_left = count

    def refuse_edit_showing(self, text: str) -> None:
        """The next edit whose text contains ``text`` raises ``NotifierDown`` (the platform
        refused that one edit: a rate limit on the final state)."""
        with self._lock:
            self._edits_refused.append(text)

    def _maybe_fail(self) -> None:
        if self._failures_left > 0:
            self._failures_left -= 1
            raise NotifierDown("chat platform unavailable")

    # -- the bot's direct answers -----------------------------------------------------------
    def answered(self, user: str, reply: Reply) -> None:
        with self._lock:
            self.shown.append(Shown("reply", reply, only=user))

    def replaced(self, channel: str, message: str, reply: Reply) -> None:
        """A click replaced the clicked message (Approve → "Approved by …")."""
        with self._lock:
            self.current[message] = reply
            self.shown.append(Shown("edit", reply, channel=channel, message=message))

    # -- reading ----------------------------------------------------------------------------
    def mark(self) -> int:
        with self._lock:
            return len(self.shown)

    def seen_by(self, user: str, channels: set[str], *, since: int = 0) -> list[Shown]:
        with self._lock:
            entries = self.shown[since:]
        return [s for s in entries if s.only == user or (s.only is None and s.channel in channels)]

    def texts(self) -> list[str]:
        """Every text anyone saw: the suite-wide scans read these."""
        with self._lock:
            return [s.text for s in self.shown]

    def notified(self, *hows: Notified, since: int = 0) -> list[Shown]:
        """What went through the Notifier port since ``since`` (only the kinds in ``hows``
        when given: ``"post"``, ``"edit"``, ``"private"``), in order: not the bot's direct
        answers, nor the edit a click's answer makes of the clicked message."""
        wanted = hows or NOTIFIED
        with self._lock:
            found = [s for i, s in enumerate(self.shown) if i >= since and i in self._by_notifier]
        return [s for s in found if s.how in wanted]

    def notified_texts(self, *hows: Notified, since: int = 0) -> list[str]:
        """The message text (``Reply.text``, without fields, code or buttons) of each
        ``notified`` entry: what a test compares word for word."""
        return [s.reply.text for s in self.notified(*hows, since=since)]

    def current_texts(self) -> list[str]:
        """Every posted message as it reads now (after edits), in posting order."""
        with self._lock:
            return [reply.text for reply in self.current.values()]
