"""Shared by the benchmark sections: figures with their anchors, quantiles, Redis db 15 with
a throw-away key prefix, and RSS read from ``/proc``.

A ``Figure`` is one measured number printed beside the number it is judged against (the
anchor) and their ratio, both taken in the same run on the same machine.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import redis


@dataclass(frozen=True)
class Figure:
    section: str
    name: str
    value: float
    unit: str
    anchor_name: str
    anchor: float

    @property
    def ratio(self) -> float:
        return self.value / self.anchor if self.anchor else math.inf

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "ratio": round(self.ratio, 4)}


def quantile(samples: list[float], q: float) -> float:
    """Nearest-rank quantile (``q`` in 0..1) of a non-empty sample."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def spread(samples: list[float]) -> dict[str, float]:
    return {
        "p50": quantile(samples, 0.50),
        "p99": quantile(samples, 0.99),
        "max": max(samples),
        "n": float(len(samples)),
    }


def redis_url_db15() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return base.rsplit("/", 1)[0] + "/15" if base.count("/") > 2 else base + "/15"


def redis_db15() -> redis.Redis:
    """The benchmark's Redis: REDIS_URL's server, database 15 only. Fails loudly if absent."""
    client = redis.Redis.from_url(redis_url_db15())
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        raise SystemExit(f"Redis is not answering at {redis_url_db15()}: {exc}") from None
    return client


def new_prefix(section: str) -> str:
    return f"bench-{section}-{uuid.uuid4().hex[:8]}"


def delete_prefixed(client: redis.Redis, prefix: str) -> None:
    """Our keys (``{prefix}:…``) and RQ's (``rq:…{prefix}…``: queues and job ids carry it)."""
    for pattern in (f"{prefix}:*", f"rq:*{prefix}*"):
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
    for member in ("rq:queues",):
        stale = [q for q in client.smembers(member) if prefix.encode() in q]
        if stale:
            client.srem(member, *stale)


@contextmanager
def scratch_prefix(client: redis.Redis, section: str) -> Iterator[str]:
    prefix = new_prefix(section)
    try:
        yield prefix
    finally:
        delete_prefixed(client, prefix)


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from ``/proc/<pid>/status`` (VmRSS, KiB)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")
