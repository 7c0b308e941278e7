"""Time as the bot and the workers read it.

Both composition roots inject a ``Clock`` into everything that reads the time (rate-limit
windows, approval expiry, chain and step timestamps, "running for 3 min"), so a test moves
time forward with a fake clock instead of sleeping. Redis key TTLs still run on Redis's own
clock: they are computed from this one when a record is written.
"""

from __future__ import annotations

import time
from typing import Final, Protocol

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    """The wall clock (``time.time``)."""

    def now(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK: Final[Clock] = SystemClock()
