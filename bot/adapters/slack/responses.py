"""Where a slash command's ``response_url`` lives: Redis, for less than Slack's 30 minutes.

The URL lets anyone holding it answer in that conversation as the app, so it never travels
in job arguments (RQ keeps those in Redis long after the job). The bot stores it on the ack
path under the command's inbound id; a worker answering that request (a read's data, a
password) replaces the ephemeral "Looking up…" in place through it instead of posting
another message. Slack accepts five uses per URL: more than any request needs.
"""

from __future__ import annotations

import redis
from pydantic import SecretStr

from bot.ports.codec import decoded

__all__ = ["RESPONSE_URL_TTL", "ResponseUrls"]

# Slack honours a response_url for 30 minutes; stop a minute early.
RESPONSE_URL_TTL = 29 * 60


class ResponseUrls:
    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self._r = client
        self._p = f"{prefix}:slack:respond"

    def remember(self, request: str, url: str) -> None:
        self._r.set(f"{self._p}:{request}", url, ex=RESPONSE_URL_TTL)

    def of(self, request: str) -> SecretStr | None:
        raw = self._r.get(f"{self._p}:{request}")
        return SecretStr(decoded(raw)) if raw else None

    def forget(self, request: str) -> None:
        """Slack refused it (used up, expired early): answer another way from now on."""
        self._r.delete(f"{self._p}:{request}")
