"""Where an interaction token may live: Redis, for less than its 15-minute validity.

The token lets anyone holding it post as the app in that channel, so it never travels in job
arguments (RQ keeps those in Redis long after the job, and in the failed registry). The bot
remembers the invoker's latest token per (channel, user) with a TTL shorter than Discord's
15 minutes; the worker-side notifier uses it for ephemeral follow-ups (passwords) and falls
back to the bot token (a DM) once it has expired.
"""

from __future__ import annotations

import redis
from pydantic import SecretStr

# Discord accepts follow-ups for 15 minutes; stop a minute early so a token read just before
# expiry is not used after it.
TOKEN_TTL_SECONDS = 14 * 60


class InteractionTokens:
    def __init__(self, client: redis.Redis, *, prefix: str = "jh") -> None:
        self._r = client
        self._p = f"{prefix}:dc:itok"

    def remember(self, channel: str, user: str, token: str) -> None:
        self._r.set(self._key(channel, user), token, ex=TOKEN_TTL_SECONDS)

    def latest(self, channel: str, user: str) -> SecretStr | None:
        raw = self._r.get(self._key(channel, user))
        if raw is None:
            return None
        return SecretStr(raw.decode() if isinstance(raw, bytes) else str(raw))

    def forget(self, channel: str, user: str) -> None:
        """Drop a token Discord refused (expired early, app re-installed)."""
        self._r.delete(self._key(channel, user))

    def _key(self, channel: str, user: str) -> str:
        return f"{self._p}:{channel}:{user}"
