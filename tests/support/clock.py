"""A clock a test moves by hand: the bot and the worker read it instead of the wall clock,
so "an hour later" is one call, not an hour (or a sleep)."""

from __future__ import annotations

import threading
import time

__all__ = ["FakeClock"]


class FakeClock:
    """Thread-safe: an in-process worker reads it while the test moves it."""

    def __init__(self, start: float | None = None) -> None:
        # Starts at the wall clock's time: the simulator stamps tasks (UPID start times) with
        # real time, and "running for 3 s" compares the two.
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move time forward (never back: nothing we run expects time to reverse)."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, moment: float) -> None:
        with self._lock:
            if moment < self._now:
                raise ValueError("a clock only moves forward")
            self._now = moment

    def __repr__(self) -> str:
        return f"FakeClock(now={self.now():.3f})"
