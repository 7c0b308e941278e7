"""Per-identity rate limit: a sliding one-minute window in a Redis sorted set.

The check and the count happen in one Lua script, so concurrent commands from one person
cannot slip past the limit together. A refused command is not counted.
"""

from __future__ import annotations

import time
import uuid

import redis

_HIT = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(window) + 1)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""


class RateLimiter:
    def __init__(
        self, client: redis.Redis, *, prefix: str = "jh", limit: int = 20, window: float = 60.0
    ) -> None:
        self._r = client
        self._p = prefix
        self.limit = limit
        self.window = window
        self._script = client.register_script(_HIT)

    def hit(self, who: str, *, now: float | None = None) -> float:
        """Count one command; returns 0 when allowed, else the seconds to wait."""
        moment = time.time() if now is None else now
        keys = [f"{self._p}:rate:{who}"]
        args: list[str | int] = [repr(moment), repr(self.window), self.limit, uuid.uuid4().hex]
        wait = float(_text(self._script(keys=keys, args=args)))
        return max(wait, 0.0)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
