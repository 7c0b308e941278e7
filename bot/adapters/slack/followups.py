"""Web API calls that must not delay an ack: run on a small thread pool after the listener
has returned its response. One pool per app (no module-level state); ``wait`` lets tests and
shutdown drain it. ``AfterAck`` defers a ``Notifier`` the same way for the command handler."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from bot.notify import MessageRef, Notifier, ReplyTarget
from bot.reply import Reply

log = logging.getLogger(__name__)


class Followups:
    def __init__(self, workers: int = 4) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-followup")
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

    @staticmethod
    def _run(name: str, work: Callable[[], None]) -> None:
        try:
            work()
        except Exception:
            # A lost edit is logged, never raised into the pool where nobody would see it.
            log.exception("slack follow-up %s failed", name)


class AfterAck:
    """A ``Notifier`` for the bot process whose Slack calls happen after the ack.

    The command handler posts approval requests to the admin channel while it handles a slash
    command; through the plain ``SlackNotifier`` that would put a Web API round trip (and any
    ``Retry-After`` wait) inside Slack's 3-second ack. Posts run in order on ``followups``
    (give it one worker); ``post`` therefore cannot know the new message's ts and returns a
    reference with an empty id. Approval messages are later edited by their click's ts, so
    nothing on the bot side needs it.
    """

    def __init__(self, inner: Notifier, followups: Followups) -> None:
        self._inner = inner
        self._followups = followups

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        self._followups.submit("post", lambda: self._post(target, reply))
        return MessageRef(channel=target.channel, id="")

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._followups.submit("update", lambda: self._inner.update(ref, reply))

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self._followups.submit("private", lambda: self._inner.notify_private(target, reply))

    def _post(self, target: ReplyTarget, reply: Reply) -> None:
        self._inner.post(target, reply)
