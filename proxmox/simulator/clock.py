"""The simulator's clock: wall time, or a manual clock that tests advance explicitly.

Tasks never run in threads: a task's outcome is settled lazily when its end time has passed
on this clock, so a manual clock makes task timing fully deterministic
(``sim.clock.advance(1.5)`` finishes a 1.5 s clone).
"""

from __future__ import annotations

import threading
import time

DEFAULT_MANUAL_START = 1_767_225_600.0  # 2026-01-01 00:00:00 UTC


class Clock:
    """``now()`` in Unix seconds; manual clocks only move through ``advance``/``set``."""

    def __init__(self, *, manual: bool = False, start: float | None = None) -> None:
        self.manual = manual
        self._lock = threading.Lock()
        self._now = DEFAULT_MANUAL_START if start is None else start
        self._offset = 0.0  # lets a wall clock be pushed forward too (advance on real time)

    @classmethod
    def wall(cls) -> Clock:
        return cls()

    @classmethod
    def manual_at(cls, start: float = DEFAULT_MANUAL_START) -> Clock:
        return cls(manual=True, start=start)

    def now(self) -> float:
        with self._lock:
            return self._now if self.manual else time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move time forward; on a wall clock this skips ahead of real time."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            if self.manual:
                self._now += seconds
            else:
                self._offset += seconds

    def set(self, when: float) -> None:
        with self._lock:
            if not self.manual:
                raise ValueError("only a manual clock can be set")
            if when < self._now:
                raise ValueError("the clock only moves forward")
            self._now = when

    def __repr__(self) -> str:
        kind = "manual" if self.manual else "wall"
        return f"Clock({kind}, now={self.now():.3f})"
