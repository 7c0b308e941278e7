"""Rate limits per chat identity and per account: sliding one-minute windows in Redis sorted
sets.

One account may be linked to several chat identities (Slack, Discord, a Discord DM), so
each identity's budget alone would multiply what an account may do. Both budgets are
checked and counted in one Lua script (one round trip), so concurrent commands cannot slip
past either together; a refused hit counts toward neither.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

import redis

from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.codec import decoded

# KEYS: the identity's window, then (optionally) the account's. ARGV: now, window, member,
# then one limit per key. Returns {} when allowed, else {index of the full key, seconds}.
_HIT = """
local now, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {i, tostring(tonumber(oldest[2]) + window - now)}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('EXPIRE', key, math.ceil(window) + 1)
end
return {}
"""

Budget = Literal["identity", "account"]


@dataclass(frozen=True)
class Throttled:
    """A refused hit: which budget is spent, its limit, and the seconds until room."""

    budget: Budget
    limit: int
    wait: float


class RateLimiter:
    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "jh",
        limit: int = 20,
        account_limit: int = 40,
        window: float = 60.0,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._r = client
        self._p = prefix
        self.limit = limit
        self.account_limit = account_limit
        self.window = window
        self._clock = clock
        self._script = client.register_script(_HIT)

    def hit(self, who: str, account: str | None = None) -> Throttled | None:
        """Count one command or click for ``who`` (and its account); None when allowed."""
        moment = self._clock.now()
        keys = [f"{self._p}:rate:{who}"]
        limits = [self.limit]
        if account is not None:
            keys.append(f"{self._p}:rate-account:{account}")
            limits.append(self.account_limit)
        args: list[str | int] = [repr(moment), repr(self.window), uuid.uuid4().hex, *limits]
        answer = self._script(keys=keys, args=args)
        if not answer:
            return None
        index, wait = int(answer[0]), float(decoded(answer[1]))
        budget: Budget = "identity" if index == 1 else "account"
        return Throttled(budget, limits[index - 1], max(wait, 0.0))
