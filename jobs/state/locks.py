"""Per-server busy locks: one mutating operation per VM at a time.

``{prefix}:busy:{cluster}:{vmid}`` holds the holder as JSON, set with NX and a TTL, so a lock whose
worker died frees itself. Release and refresh run as Lua scripts that compare the holder's
job id first: only the holder can release or extend its lock.
"""

from __future__ import annotations

import redis
from pydantic import BaseModel, ConfigDict

from jobs.config import DEFAULT_CLUSTER

# KEYS[1] = lock key, ARGV[1] = job id; deletes only when that job holds the lock.
_RELEASE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, holder = pcall(cjson.decode, raw)
if ok and holder['job_id'] == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# KEYS[1] = lock key, ARGV[1] = job id, ARGV[2] = ttl seconds.
_REFRESH = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local ok, holder = pcall(cjson.decode, raw)
if ok and holder['job_id'] == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class BusyInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: str
    kind: str
    requester: str
    since: float

    def describe(self, vmid: int, *, now: float) -> str:
        """``server 101 is busy: resize started by @u 40 s ago``."""
        age = max(0, int(now - self.since))
        verb = self.kind.rpartition(".")[2]
        return f"server {vmid} is busy: {verb} started by {self.requester} {age} s ago"


class BusyLocks:
    def __init__(
        self, client: redis.Redis, *, prefix: str = "jh", cluster: str = DEFAULT_CLUSTER
    ) -> None:
        self._r = client
        self._p = f"{prefix}:busy:{cluster}"
        self._release = client.register_script(_RELEASE)
        self._refresh = client.register_script(_REFRESH)

    def _key(self, vmid: int) -> str:
        return f"{self._p}:{vmid}"

    def acquire(self, vmid: int, holder: BusyInfo, ttl: int) -> BusyInfo | None:
        """None when ``holder`` now holds the lock (also when it already did: a re-run job);
        otherwise the current holder."""
        for _ in range(3):
            if self._r.set(self._key(vmid), holder.model_dump_json(), nx=True, ex=ttl):
                return None
            current = self.holder(vmid)
            if current is None:
                continue  # it expired between SET and GET: try again
            if current.job_id == holder.job_id:
                self.refresh(vmid, holder.job_id, ttl)
                return None
            return current
        return self.holder(vmid)

    def holder(self, vmid: int) -> BusyInfo | None:
        raw = self._r.get(self._key(vmid))
        return BusyInfo.model_validate_json(raw) if raw else None

    def release(self, vmid: int, job_id: str) -> bool:
        return bool(self._release(keys=[self._key(vmid)], args=[job_id]))

    def refresh(self, vmid: int, job_id: str, ttl: int) -> bool:
        """Extend the TTL while a long chain runs; False when ``job_id`` no longer holds it."""
        return bool(self._refresh(keys=[self._key(vmid)], args=[job_id, ttl]))
