"""A ``Reply`` as a Discord message payload (REST JSON), shared by the bot and the notifier.

Pure data, no discord.py import: the worker-side notifier sends this dict as is, and the bot
turns its parts into ``discord.Embed`` / views. Discord's size limits are applied here so a
long task log can never make a post fail.
"""

from __future__ import annotations

import re
from typing import Any

from bot.ports.reply import Button, Reply, Tone

CUSTOM_ID_PREFIX = "jh"
# Dynamic buttons are recognised by this shape after a restart; the value is only an id.
CUSTOM_ID_TEMPLATE = r"jh:(?P<action>[A-Za-z0-9_.\-]{1,40}):(?P<value>[A-Za-z0-9_.\-]{1,50})"
_CUSTOM_ID_RE = re.compile(CUSTOM_ID_TEMPLATE)

EPHEMERAL_FLAG = 1 << 6
MAX_CONTENT = 2000
MAX_EMBED_DESCRIPTION = 4096
MAX_FIELDS = 25
BUTTONS_PER_ROW = 5

TONE_COLOURS: dict[Tone, int] = {
    "info": 0x5865F2,
    "success": 0x57F287,
    "warning": 0xFEE75C,
    "error": 0xED4245,
}
# Discord button styles: 1 primary (blurple), 2 secondary (grey), 4 danger (red).
BUTTON_STYLES = {"primary": 1, "default": 2, "danger": 4}


def custom_id(button: Button) -> str:
    """``jh:<action>:<value>``; refuses what the template would not match after a restart."""
    result = f"{CUSTOM_ID_PREFIX}:{button.action}:{button.value}"
    if not _CUSTOM_ID_RE.fullmatch(result):
        raise ValueError(f"button action/value not representable in a custom_id: {button.action}")
    return result


def content_of(reply: Reply) -> str:
    if reply.title:  # bold, its own markdown escaped: a server name may hold a * or _
        return _clip(f"**{_escape_markdown(reply.title)}**\n{reply.text}", MAX_CONTENT)
    return _clip(reply.text, MAX_CONTENT)


def _escape_markdown(text: str) -> str:
    return "".join(f"\\{c}" if c in "*_~`|>\\" else c for c in text)


def embed_of(reply: Reply) -> dict[str, Any] | None:
    """Fields and code go into one embed coloured by tone; a plain text reply has none."""
    if not reply.fields and not reply.code:
        return None
    embed: dict[str, Any] = {"color": TONE_COLOURS[reply.tone]}
    if reply.code:
        fence = "```\n{}\n```"
        embed["description"] = fence.format(_clip(reply.code, MAX_EMBED_DESCRIPTION - 8))
    embed["fields"] = [
        {"name": _clip(f.label, 256), "value": _clip(f.value or "-", 1024), "inline": True}
        for f in reply.fields[:MAX_FIELDS]
    ]
    return embed


def components_of(reply: Reply, *, disabled: bool = False) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, min(len(reply.buttons), 25), BUTTONS_PER_ROW):
        chunk = reply.buttons[start : start + BUTTONS_PER_ROW]
        rows.append({"type": 1, "components": [_button(b, disabled) for b in chunk]})
    return rows


def message_payload(reply: Reply, *, ephemeral: bool = False) -> dict[str, Any]:
    """The JSON body for ``POST /channels/{id}/messages`` or a webhook followup."""
    payload: dict[str, Any] = {
        "content": content_of(reply),
        "embeds": [e for e in (embed_of(reply),) if e is not None],
        "components": components_of(reply),
        # Chat text must never ping @everyone or roles because a VM was named that way.
        "allowed_mentions": {"parse": ["users"]},
    }
    if ephemeral:
        payload["flags"] = EPHEMERAL_FLAG
    return payload


def _button(button: Button, disabled: bool) -> dict[str, Any]:
    return {
        "type": 2,
        "style": BUTTON_STYLES[button.style],
        "label": _clip(button.label, 80),
        "custom_id": custom_id(button),
        "disabled": disabled,
    }


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
