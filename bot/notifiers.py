"""Notifiers that need no chat platform: the log (workers without one) and the router that
sends each message through the notifier of the platform its request came from.

Slack, Discord and console notifiers live with their adapters. Private replies are never logged
with their code block: that is where a generated password travels.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from bot.ports.invocation import Platform
from bot.ports.notify import MessageRef, Notifier, ReplyTarget
from bot.ports.reply import Reply

log = logging.getLogger("jotunheim.notify")


class NotifierDown(RuntimeError):
    """What FakeNotifier raises while it is told to fail (a chat API outage)."""


@dataclass(frozen=True)
class Sent:
    kind: Literal["post", "update", "private"]
    reply: Reply
    target: ReplyTarget | None = None
    ref: MessageRef | None = None

    @property
    def text(self) -> str:
        return self.reply.text


@dataclass
class FakeNotifier:
    """Records everything; ``fail_next(n)`` makes the next ``n`` calls raise ``NotifierDown``.
    ``messages`` holds the current text of every posted message, edits applied."""

    sent: list[Sent] = field(default_factory=list)
    messages: dict[str, Reply] = field(default_factory=dict)
    failures_left: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, count: int = 1) -> None:
        self.failures_left = count

    def _maybe_fail(self) -> None:
        if self.failures_left > 0:
            self.failures_left -= 1
            raise NotifierDown("chat platform unavailable")

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        self._maybe_fail()
        ref = MessageRef(channel=target.channel, id=f"m{next(self._ids)}")
        self.sent.append(Sent("post", reply, target=target, ref=ref))
        self.messages[ref.id] = reply
        return ref

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._maybe_fail()
        if ref.id not in self.messages:
            raise KeyError(f"no message {ref.id} to edit")
        self.sent.append(Sent("update", reply, ref=ref))
        self.messages[ref.id] = reply

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self._maybe_fail()
        self.sent.append(Sent("private", reply, target=target))

    def texts(self, kind: str | None = None) -> list[str]:
        return [s.text for s in self.sent if kind is None or s.kind == kind]

    def current_texts(self) -> list[str]:
        """Every posted message as it reads now (after edits), in posting order."""
        return [reply.text for reply in self.messages.values()]


class LogNotifier:
    """Writes what would be sent to a log (workers without a platform, the demo)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log
        self._ids = itertools.count(1)

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        ref = MessageRef(channel=target.channel, id=f"log-{next(self._ids)}")
        self._log.info("[%s #%s %s] %s", target.platform, target.channel, ref.id, reply.plain())
        return ref

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._log.info("[#%s %s edited] %s", ref.channel, ref.id, reply.plain())

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        # The text only: the code block may hold a password.
        self._log.info(
            "[private to %s] %s (details shown to them only)", target.requester, reply.text
        )


class RoutingNotifier:
    """One worker pool serves every platform: each message goes through the notifier of the
    platform its request came from; platforms without one fall back (to the log)."""

    def __init__(self, routes: Mapping[Platform, Notifier], fallback: Notifier) -> None:
        self._routes = dict(routes)
        self._fallback = fallback

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        ref = self._for(target.platform).post(target, reply)
        return ref.model_copy(update={"platform": target.platform})

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._for(ref.platform).update(ref, reply)

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self._for(target.platform).notify_private(target, reply)

    def _for(self, platform: Platform | None) -> Notifier:
        return self._routes.get(platform, self._fallback) if platform else self._fallback
