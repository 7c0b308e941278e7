"""Where a request's card is when the bot, not the worker, posted it first.

A customer's request that waits for an admin has a card before any job exists: the bot
posts it right after the ack ("waiting for approval"), and the worker that later runs the
approved job must edit that card instead of posting a second one. The record is keyed by the
job's inbound id (``approval:<id>`` for an approved request) and holds the card's
``MessageRef`` (ids only, never a token), or nothing yet while the bot's post is in flight.

States: absent (the worker posts its own card), *posting* (claimed on the ack path; the
worker waits for it rather than post a duplicate, except for the final state), *shown* (the
worker adopts the reference).
"""

from __future__ import annotations

from typing import Literal

import redis
from pydantic import BaseModel, ConfigDict

from bot.ports.notify import MessageRef

__all__ = ["CARD_TTL", "CardRecord", "CardRecords"]

# A pending approval lives up to a day, its chain a week after that.
CARD_TTL = 8 * 86400


class CardRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    ref: MessageRef | None = None

    @property
    def state(self) -> Literal["posting", "shown"]:
        return "shown" if self.ref is not None else "posting"


class CardRecords:
    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self._r = client
        self._p = f"{prefix}:card"

    def claim(self, request: str) -> bool:
        """Say the bot is posting this request's card; False when someone already did."""
        return bool(
            self._r.set(self._key(request), CardRecord().model_dump_json(), nx=True, ex=CARD_TTL)
        )

    def shown(self, request: str, ref: MessageRef) -> None:
        self._r.set(self._key(request), CardRecord(ref=ref).model_dump_json(), ex=CARD_TTL)

    def release(self, request: str) -> None:
        """The bot's post failed: the worker will post the card itself."""
        self._r.delete(self._key(request))

    def get(self, request: str) -> CardRecord | None:
        raw = self._r.get(self._key(request))
        return CardRecord.model_validate_json(raw) if raw else None

    def _key(self, request: str) -> str:
        return f"{self._p}:{request}"
