"""Rate limits for the mock chat APIs, and what they saw: each message's history (every
version the platform accepted, with when), every 429 served, and every request that came back
before the ``Retry-After`` it was given.

Slack limits ``chat.postMessage`` to about one message a second per channel, with short
bursts, and its other methods by tier; Discord counts per route and major parameter (the
channel) in fixed windows, says so in ``X-RateLimit-*`` headers, and has a global limit on
top. Both answer an excess with 429 and how long to wait. Times are the mock's monotonic
clock (real time by default: what the platform sees is what a user would).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

Clock = Callable[[], float]


@dataclass
class History:
    """One message as the platform holds it: ``versions[0]`` is the post, then every edit
    it accepted; ``refused`` the edits it answered with 429."""

    channel: str
    id: str
    versions: list[tuple[float, dict[str, Any]]]
    refused: list[float] = field(default_factory=list)

    @property
    def last(self) -> dict[str, Any]:
        return self.versions[-1][1]

    def edits(self) -> list[float]:
        return [at for at, _ in self.versions[1:]]


@dataclass(frozen=True)
class Refusal:
    at: float
    subject: Hashable
    retry_after: float
    scope: str  # "bucket" or "global"


@dataclass(frozen=True)
class EarlyRetry:
    """A request for something the mock had refused, before its ``Retry-After`` was over."""

    subject: Hashable
    at: float
    due: float


def most_in_a_second(times: Iterable[float], window: float = 1.0) -> int:
    """The most of these moments that fall within any ``window`` (half-open: an edit
    exactly a second after another is in the next window)."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


class Ledger:
    """Thread-safe record of what a rate-limiting mock served."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self.clock = clock
        self.histories: dict[str, History] = {}
        self.refusals: list[Refusal] = []
        self.early: list[EarlyRetry] = []
        self._due: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def attempt(self, subject: Hashable, now: float) -> None:
        """A request for ``subject`` arrived: was it told to wait longer than this?"""
        with self._lock:
            due = self._due.get(subject)
            if due is not None and now < due:
                self.early.append(EarlyRetry(subject, now, due))

    def refuse(self, subject: Hashable, now: float, retry_after: float, scope: str) -> None:
        with self._lock:
            self.refusals.append(Refusal(now, subject, retry_after, scope))
            self._due[subject] = max(self._due.get(subject, 0.0), now + retry_after)

    def posted(self, channel: str, message: str, body: dict[str, Any], now: float) -> None:
        with self._lock:
            self.histories[message] = History(channel, message, [(now, body)])

    def edited(self, message: str, body: dict[str, Any], now: float) -> None:
        with self._lock:
            if message in self.histories:
                self.histories[message].versions.append((now, body))

    def edit_refused(self, message: str, now: float) -> None:
        with self._lock:
            if message in self.histories:
                self.histories[message].refused.append(now)


class TokenBucket:
    """Slack-like: ``rate`` requests a second per key on average, ``burst`` at once."""

    def __init__(self, rate: float = 1.0, burst: int = 3) -> None:
        self.rate = rate
        self.burst = burst
        self._state: dict[Hashable, tuple[float, float]] = {}  # key → (tokens, as of)

    def take(self, key: Hashable, now: float) -> float:
        """0.0: allowed (one token taken); else the seconds until a token is there."""
        tokens, since = self._state.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - since) * self.rate)
        if tokens >= 1.0:
            self._state[key] = (tokens - 1.0, now)
            return 0.0
        self._state[key] = (tokens, now)
        return (1.0 - tokens) / self.rate


@dataclass(frozen=True)
class Window:
    """One answer of a fixed window: what the ``X-RateLimit-*`` headers say, and the wait
    (0.0: allowed)."""

    limit: int
    remaining: int
    reset_after: float
    wait: float


class FixedWindows:
    """Discord-like: ``limit`` requests per key in each window of ``per`` seconds, the
    window starting with its first request."""

    def __init__(self, limit: int = 2, per: float = 1.0) -> None:
        self.limit = limit
        self.per = per
        self._state: dict[Hashable, tuple[float, int]] = {}  # key → (window start, used)

    def spend(self, key: Hashable, now: float) -> None:
        """Somebody else (another process on the same token) used one request of it."""
        self.take(key, now)

    def take(self, key: Hashable, now: float) -> Window:
        start, used = self._state.get(key, (now, 0))
        if now - start >= self.per:
            start, used = now, 0
        reset_after = start + self.per - now
        if used >= self.limit:
            self._state[key] = (start, used)
            return Window(self.limit, 0, reset_after, reset_after)
        self._state[key] = (start, used + 1)
        return Window(self.limit, self.limit - used - 1, reset_after, 0.0)


def whole_seconds(wait: float) -> int:
    """``Retry-After`` in whole seconds, as both platforms' header gives it: never less."""
    return max(1, math.ceil(wait))
