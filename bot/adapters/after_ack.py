"""Chat API calls that must not delay an ack (Slack's 3 s, Discord's 3 s before a defer): run
on a small thread pool after the handler has answered. One pool per process or app (no
module-level state); ``wait`` lets tests and shutdown drain it. ``AfterAck`` defers a
``Notifier`` the same way for the command handler. Shared by the Slack and Discord adapters.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.ports.notify import CardShown, MessageRef, Notifier, ReplyTarget, post_then
from bot.ports.reply import Reply

log = logging.getLogger(__name__)


class Followups:
    def __init__(self, workers: int = 4, *, name: str = "followup") -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._name = name
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, name: str, work: Callable[[], None]) -> None:
        future = self._pool.submit(self._run, name, work)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def wait(self, timeout: float = 10.0) -> None:
        """Block until everything submitted so far has finished (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, name: str, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            # A lost message is logged, never raised into the pool where nobody would see it.
            log.exception("%s %s failed", self._name, name)


class AfterAck:
    """A ``Notifier`` for the bot process whose chat API calls happen after the ack.

    The command handler posts approval requests to the admin channel and decision notices to
    the requester while it handles a command or a click; through a plain REST notifier that
    would put an API round trip (and any rate-limit wait) inside the platform's ack deadline.
    Posts run in order on ``followups`` (give it one worker); ``post`` therefore cannot know
    the new message's id and returns a reference with an empty id. Approval messages are later
    edited through their click; a requester's card, whose id the worker needs, goes through
    ``post_card``, which hands the reference on once it exists.
    """

    def __init__(self, inner: Notifier, followups: Followups) -> None:
        self._inner = inner
        self._followups = followups

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        self._followups.submit("post", lambda: self._post(target, reply))
        return MessageRef(channel=target.channel, id="")

    def post_card(self, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
        """The card's reference reaches ``shown`` once the post returns (None if it fails)."""
        self._followups.submit("card", lambda: post_then(self._inner, target, reply, shown))

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._followups.submit("update", lambda: self._inner.update(ref, reply))

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self._followups.submit("private", lambda: self._inner.notify_private(target, reply))

    def _post(self, target: ReplyTarget, reply: Reply) -> None:
        self._inner.post(target, reply)
