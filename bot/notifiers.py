"""Notifiers that need no chat platform: the log (workers without one) and the router that
sends each message through the notifier of the platform its request came from.

Slack, Discord and console notifiers live with their adapters; the tests' recording notifier
lives with the tests (``tests/support/chat.py``), not in the installed package. Private
replies are never logged with their code block: that is where a generated password travels.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping

from bot.ports.invocation import Platform
from bot.ports.notify import CardShown, MessageRef, Notifier, ReplyTarget, post_then
from bot.ports.reply import Reply

log = logging.getLogger("jotunheim.notify")


class LogNotifier:
    """Writes what would be sent to a log (workers without a platform, the demo)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or log
        self._ids = itertools.count(1)

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        ref = MessageRef(channel=target.channel, id=f"log-{next(self._ids)}")
        self._log.info("[%s #%s %s] %s", target.platform, target.channel, ref.id, reply.plain())
        return ref

    def post_card(self, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
        post_then(self, target, reply, shown)

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
