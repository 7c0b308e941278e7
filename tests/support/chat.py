"""What people see: one recorder for every message of a conversation, whoever sent it.

``ChatRecorder`` is the ``Notifier`` of both the bot and the workers in the testbot, and it
also records the bot's direct answers to commands and clicks. Each entry knows where it was
shown (a channel, or one person privately), so ``seen(user)`` answers "what did this person
see, in order": their own answers, posts and edits in channels they are in, and private
messages to them.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Literal

from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply

How = Literal["reply", "post", "edit", "private"]


@dataclass(frozen=True)
class Shown:
    """One thing shown: ``channel`` for posts and edits; ``only`` for answers and private
    messages (the one person who saw it); ``message`` for posts and their edits."""

    how: How
    reply: Reply
    channel: str | None = None
    only: str | None = None
    message: str | None = None

    @property
    def text(self) -> str:
        return self.reply.plain()


class ChatRecorder:
    """A thread-safe ``Notifier`` that records everything (an in-process worker posts too)."""

    def __init__(self) -> None:
        self.shown: list[Shown] = []
        self.current: dict[str, Reply] = {}
        self.channel_of: dict[str, str] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- Notifier ---------------------------------------------------------------------------
    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        with self._lock:
            ref = MessageRef(channel=target.channel, id=f"m{next(self._ids)}")
            self.current[ref.id] = reply
            self.channel_of[ref.id] = target.channel
            self.shown.append(Shown("post", reply, channel=target.channel, message=ref.id))
            return ref

    def update(self, ref: MessageRef, reply: Reply) -> None:
        with self._lock:
            if ref.id not in self.current:
                raise KeyError(f"no message {ref.id} to edit")
            self.current[ref.id] = reply
            self.shown.append(Shown("edit", reply, channel=ref.channel, message=ref.id))

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        with self._lock:
            self.shown.append(Shown("private", reply, only=target.requester))

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
