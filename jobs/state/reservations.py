"""VMIDs promised to a build that has not created its VM yet (``actions.base.VmidReservations``).

``/cluster/nextid`` reserves nothing, so two builds could pick the same id; a Redis SET NX
with a TTL makes the pick exclusive. Re-reserving by the same holder succeeds (a re-run step).
Key: ``{prefix}:vmid:{cluster}:{vmid}`` (VMIDs are unique per cluster only).
"""

from __future__ import annotations

import redis

from bot.ports.codec import decoded
from jobs.config import DEFAULT_CLUSTER


class RedisVmidReservations:
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "jh",
        cluster: str = DEFAULT_CLUSTER,
        ttl: int = 3600,
    ) -> None:
        self._r = client
        self._p = f"{prefix}:vmid:{cluster}"
        self._ttl = ttl

    def reserve(self, vmid: int, holder: str) -> bool:
        key = f"{self._p}:{vmid}"
        if self._r.set(key, holder, nx=True, ex=self._ttl):
            return True
        current = self._r.get(key)
        return current is not None and decoded(current) == holder

    def release(self, vmid: int) -> None:
        self._r.delete(f"{self._p}:{vmid}")

    def holder(self, vmid: int) -> str | None:
        raw = self._r.get(f"{self._p}:{vmid}")
        return decoded(raw) if raw else None
