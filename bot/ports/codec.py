"""Redis answers in bytes (our clients do not decode, RQ needs raw bytes): the one place a
stored value becomes text again."""

from __future__ import annotations

__all__ = ["decoded"]


def decoded(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
