"""Short references for requests (``#k3f9``), so people never handle a prefixed job id.

A reference is 4 to 6 lowercase base32 characters derived from the job id, unique among
the live requests (claimed with SET NX, one character longer on a clash), and lives as
long as the request's chain record. ``#`` is optional on input.
"""

from __future__ import annotations

import base64
import hashlib
import re

import redis

from bot.ports.codec import decoded

REF_TTL = 7 * 86400  # as long as a chain record
_SHAPE = re.compile(r"^#?([a-z2-7]{4,12})$")
_LENGTHS = (4, 5, 6, 8, 12)


def ref_shape(text: str) -> str | None:
    """The reference ``text`` names (without ``#``), or None when it is not one."""
    found = _SHAPE.match(text.strip().lower())
    return found.group(1) if found else None


class RequestRefs:
    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self._r = client
        self._p = f"{prefix}:ref"

    def assign(self, job_id: str) -> str:
        """This job's reference (the same one again for a redelivered request)."""
        existing = self._r.get(f"{self._p}-of:{job_id}")
        if existing:
            return decoded(existing)
        letters = base64.b32encode(hashlib.sha256(job_id.encode()).digest()).decode().lower()
        for length in _LENGTHS:
            ref = letters[:length]
            if self._r.set(f"{self._p}:{ref}", job_id, nx=True, ex=REF_TTL):
                self._r.set(f"{self._p}-of:{job_id}", ref, ex=REF_TTL)
                return ref
            if decoded(self._r.get(f"{self._p}:{ref}") or b"") == job_id:
                return ref
        raise RuntimeError("no free request reference")  # 12 characters: never in practice

    def job_of(self, text: str) -> str | None:
        ref = ref_shape(text)
        raw = self._r.get(f"{self._p}:{ref}") if ref else None
        return decoded(raw) if raw else None
