"""What a notifier remembers about a platform's rate limits, so that it never asks again
before the platform said it may: the buckets closed until a moment (a 429's ``Retry-After``,
or a bucket whose ``X-RateLimit-Remaining`` reached 0), and when each message was last edited
(a card is edited at most once per ``min_edit_interval``, whatever the platform would allow).

One gate per notifier, shared by its threads; times are the injected monotonic clock's. A
gate knows what this process learned only: another worker process learns it from its own
first 429.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.ports.notify import CARD_EDIT_INTERVAL

# The worker edits one message at most this often: the interval the chain coalesces a card's
# states on. Platforms allow more, but not for long.
WORKER_EDIT_INTERVAL = CARD_EDIT_INTERVAL
_PRUNE_AT = 2048  # entries; older ones are dropped once a map holds this many


class RateGate:
    def __init__(
        self, *, min_edit_interval: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.min_edit_interval = min_edit_interval
        self._clock = clock
        self._closed: dict[str, float] = {}  # bucket → monotonic time it opens again
        self._edited: dict[str, float] = {}  # message → monotonic time of its last edit
        self._lock = threading.Lock()

    def close(self, bucket: str, seconds: float) -> None:
        """The platform said: nothing more in ``bucket`` for ``seconds``."""
        with self._lock:
            until = self._clock() + max(seconds, 0.0)
            self._closed[bucket] = max(until, self._closed.get(bucket, 0.0))
            _prune(self._closed, self._clock())

    def wait_for(self, *buckets: str) -> float:
        """Seconds until every one of ``buckets`` is open again (0.0: open now)."""
        with self._lock:
            now = self._clock()
            return max([0.0, *(self._closed.get(b, 0.0) - now for b in buckets)])

    def edit_wait(self, message: str) -> float:
        """Seconds until ``message`` may be edited again (0.0: now)."""
        if self.min_edit_interval <= 0:
            return 0.0
        with self._lock:
            last = self._edited.get(message)
            if last is None:
                return 0.0
            return max(last + self.min_edit_interval - self._clock(), 0.0)

    def edited(self, message: str) -> None:
        """The platform accepted an edit of ``message`` just now."""
        if self.min_edit_interval <= 0:
            return
        with self._lock:
            now = self._clock()
            self._edited[message] = now
            _prune(self._edited, now - self.min_edit_interval)


def _prune(times: dict[str, float], before: float) -> None:
    if len(times) >= _PRUNE_AT:
        for key in [k for k, t in times.items() if t < before]:
            del times[key]
