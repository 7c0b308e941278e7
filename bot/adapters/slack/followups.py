"""Web API calls that must not delay an ack: run on a small thread pool after the listener
has returned its response. One pool per app (no module-level state); ``wait`` lets tests and
shutdown drain it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

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
