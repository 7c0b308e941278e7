"""Cutting chat text without breaking what it is made of: both renderers cut at a limit,
and a cut inside a mention (``<@U1>``), an entity (``&amp;``) or an escape (``\\*``) would
show people broken markup. An ``Atoms`` knows one platform's indivisible pieces."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Atoms:
    pattern: re.Pattern[str]  # matches one indivisible piece, or any single character
    longest: int  # characters of the longest piece the pattern can match

    def clip(self, text: str, limit: int) -> str:
        """At most ``limit`` characters; the ellipsis follows the last whole piece."""
        if len(text) <= limit:
            return text
        return text[: self.whole(text, limit - 1)] + "…"

    def whole(self, text: str, limit: int) -> int:
        """The length of the longest prefix, at most ``limit``, that ends between pieces."""
        end = 0
        for atom in self.pattern.finditer(text, 0, min(len(text), limit + self.longest)):
            if atom.end() > limit:
                break
            end = atom.end()
        return end or limit
