"""Where an interaction token may live: Redis, for less than its 15-minute validity.

The token lets anyone holding it post as the app in that channel, so it never travels in job
arguments (RQ keeps those in Redis long after the job, and in the failed registry). The bot
remembers the invoker's latest token per (channel, user), and each command's token by its
inbound id, with a TTL shorter than Discord's 15 minutes; the worker-side notifier replaces
a command's ephemeral answer with what it found (a read's data) or sends an ephemeral
follow-up (passwords), and falls back to the bot token (a DM) once they have expired.
"""

from __future__ import annotations

import redis
from pydantic import SecretStr

from bot.ports.notify import MessageRef

# Discord accepts follow-ups for 15 minutes; stop a minute early so a token read just before
# expiry is not used after it.
TOKEN_TTL_SECONDS = 14 * 60
MOVED_TTL = 8 * 86400  # as long as a card may still be edited


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

    def remember_request(self, request: str, token: str) -> None:
        """The token of the interaction that made ``request``: its answer (@original) can be
        replaced in place with what the worker found."""
        self._r.set(f"{self._p}:req:{request}", token, ex=TOKEN_TTL_SECONDS)

    def of_request(self, request: str) -> SecretStr | None:
        raw = self._r.get(f"{self._p}:req:{request}")
        return SecretStr(raw.decode() if isinstance(raw, bytes) else str(raw)) if raw else None

    def forget_request(self, request: str) -> None:
        self._r.delete(f"{self._p}:req:{request}")

    def seconds_left(self, request: str) -> float:
        """How long this request's token is still good for (0 when gone)."""
        return max(0.0, float(self._r.ttl(f"{self._p}:req:{request}")))

    # An ephemeral card that outlived its token continues in the requester's DM.
    def move(self, message: str, continued: MessageRef) -> None:
        self._r.set(f"{self._p}:moved:{message}", continued.model_dump_json(), ex=MOVED_TTL)

    def moved(self, message: str) -> MessageRef | None:
        raw = self._r.get(f"{self._p}:moved:{message}")
        return MessageRef.model_validate_json(raw) if raw else None

    def forget(self, channel: str, user: str) -> None:
        """Drop a token Discord refused (expired early, app re-installed)."""
        self._r.delete(self._key(channel, user))

    def _key(self, channel: str, user: str) -> str:
        return f"{self._p}:{channel}:{user}"
