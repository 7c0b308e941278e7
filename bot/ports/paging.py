"""Pages of a long list, as both the bot and the workers frame them: which items a page
holds, ``page 2 of 5 · …`` and the Previous/Next buttons whose value names only the list,
the page and what the list is of (``backups.2.101``). Leaf module: a read job (the backup
list, which only a worker can read) pages its answer exactly as the bot pages its own."""

from __future__ import annotations

import string
from dataclasses import dataclass

from bot.ports.reply import BUTTON_VALUE_MAX, Button

__all__ = ["BACKUPS_PER_PAGE", "PAGE", "Window", "framed", "page_value", "spelled", "window"]

PAGE = "page"  # the button action
# A backup's line is long (date, size, note, id): six keep a page one short message.
BACKUPS_PER_PAGE = 6
_SAFE = frozenset(string.ascii_letters + string.digits + ".-")


@dataclass(frozen=True)
class Window:
    """Page ``number`` of ``count`` (1-based): items ``start`` to ``stop`` of the list."""

    number: int
    count: int
    start: int
    stop: int


def window(total: int, page: int | None, per_page: int) -> Window:
    """The page asked for; past the end (the list shrank since), its last page."""
    count = max(1, -(-total // per_page))
    number = min(max(page or 1, 1), count)
    start = (number - 1) * per_page
    return Window(number, count, start, min(start + per_page, total))


def page_value(key: str, number: int, kept: str | None) -> str:
    return f"{key}.{number}" + (f".{spelled(kept)}" if kept else "")


def framed(text: str, key: str, shown: Window, kept: str | None) -> tuple[str, tuple[Button, ...]]:
    """Where the page is in its list, and the buttons to the pages beside it."""
    if shown.count == 1:
        return text, ()
    text = f"page {shown.number:,} of {shown.count:,} · {text}"
    turns = [("Previous", shown.number - 1)] if shown.number > 1 else []
    turns += [("Next", shown.number + 1)] if shown.number < shown.count else []
    values = [(label, page_value(key, n, kept)) for label, n in turns]
    if any(len(value) > BUTTON_VALUE_MAX for _, value in values):
        # A filter too long to carry back: the person types the page instead.
        return f"{text} (type it again with page=N)", ()
    return text, tuple(Button(action=PAGE, value=value, label=label) for label, value in values)


def spelled(text: str) -> str:
    """``slack:T1:U2`` → ``slack_3aT1_3aU2``: letters, digits, ``.`` and ``-`` as they are,
    every other character as ``_`` and its UTF-8 bytes in hex, so the value stays one a
    button can carry and reads back exactly."""
    return "".join(c if c in _SAFE else "".join(f"_{b:02x}" for b in c.encode()) for c in text)
