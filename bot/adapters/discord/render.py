"""A ``Reply`` as a Discord message payload (REST JSON), shared by the bot and the notifier.

Pure data, no discord.py import: the worker-side notifier sends this dict as is, and the bot
turns its parts into ``discord.Embed`` / views. Discord's size limits hold by construction,
so a long task log can never make a post fail: the content is cut after a whole mention,
never inside the bold heading; code stays inside a closed fence, and what did not fit is
said after it; more fields than an embed holds end with one saying how many were left out;
field values shrink until all of the embed fits in its 6,000 characters.
"""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.cutting import Atoms
from bot.ports.reply import Button, Reply, ReplyField, Tone

CUSTOM_ID_PREFIX = "jh"
# Dynamic buttons are recognised by this shape after a restart; the value is only an id.
CUSTOM_ID_TEMPLATE = r"jh:(?P<action>[A-Za-z0-9_.\-]{1,40}):(?P<value>[A-Za-z0-9_.\-]{1,50})"
_CUSTOM_ID_RE = re.compile(CUSTOM_ID_TEMPLATE)

EPHEMERAL_FLAG = 1 << 6
# Discord's documented limits (message and embed objects, message components).
MAX_CONTENT = 2000
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_TOTAL = 6000
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FIELDS = 25
MAX_CUSTOM_ID = 100
MAX_BUTTON_LABEL = 80
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
_MAX_TITLE = 256  # a heading longer than this is cut before it is made bold
_OPEN, _CLOSE = "```\n", "\n```"
_CODE_CUT = "\n… (the rest of the output is too long to show here)"
# What a cut must not split: a mention (user, role, channel), a markdown escape; else a char.
_ATOMS = Atoms(re.compile(r"<(?:@[!&]?|#)\d{1,25}>|\\.|.", re.DOTALL), 30)

TONE_COLOURS: dict[Tone, int] = {
    "info": 0x5865F2,
    "success": 0x57F287,
    "warning": 0xFEE75C,
    "error": 0xED4245,
}
# The tone at the head of a titled message, as Slack's header shows it (a bot's message
# gets no shortcode conversion, so these are the emoji themselves).
TONE_ICONS: dict[Tone, str] = {
    "info": "",
    "success": "\u2705 ",
    "warning": "\u26a0\ufe0f ",
    "error": "\u274c ",
}
# Discord button styles: 1 primary (blurple), 2 secondary (grey), 4 danger (red).
BUTTON_STYLES = {"primary": 1, "default": 2, "danger": 4}


def custom_id(button: Button) -> str:
    """``jh:<action>:<value>``; refuses what the template would not match after a restart."""
    result = f"{CUSTOM_ID_PREFIX}:{button.action}:{button.value}"
    if not _CUSTOM_ID_RE.fullmatch(result) or len(result) > MAX_CUSTOM_ID:
        raise ValueError(f"button action/value not representable in a custom_id: {button.action}")
    return result


def content_of(reply: Reply, *, lead: str = "") -> str:
    """The message text; ``lead`` goes first (a role mention the notifier adds). Discord
    refuses a message with neither content nor an embed, so a blank one says "…"."""
    heading = " ".join((reply.title or "").split())  # one line: bold ends at a line break
    if not (heading or reply.text.strip() or reply.fields or reply.code or lead):
        return "…"
    if heading:  # bold, its own markdown escaped: a server name may hold a * or _
        shown = TONE_ICONS[reply.tone] + _escape_markdown(clip(heading, _MAX_TITLE))
        title = f"**{shown}**\n"
        return lead + title + clip(reply.text, MAX_CONTENT - len(lead) - len(title))
    return clip(lead + reply.text, MAX_CONTENT)


def _escape_markdown(text: str) -> str:
    return "".join(f"\\{c}" if c in "*_~`|>\\" else c for c in text)


def embed_of(reply: Reply) -> dict[str, Any] | None:
    """Fields and code go into one embed coloured by tone; a plain text reply has none."""
    if not reply.fields and not reply.code:
        return None
    embed: dict[str, Any] = {"color": TONE_COLOURS[reply.tone]}
    if reply.code:
        embed["description"] = fenced(reply.code)
    room = MAX_EMBED_TOTAL - len(embed.get("description", ""))
    embed["fields"] = _fields(reply.fields, room)
    return embed


def fenced(code: str) -> str:
    """Code in one closed fence within the description limit; a fence inside the code
    cannot close it early, and what was cut is said after the fence, never inside it."""
    code = code.replace("```", "'''")
    if len(_OPEN) + len(code) + len(_CLOSE) <= MAX_EMBED_DESCRIPTION:
        return _OPEN + code + _CLOSE
    room = MAX_EMBED_DESCRIPTION - len(_OPEN) - len(_CLOSE) - len(_CODE_CUT)
    cut = code.rfind("\n", 0, room + 1)
    kept = code[:cut] if cut > 0 else code[: _ATOMS.whole(code, room)]
    return _OPEN + kept + _CLOSE + _CODE_CUT


def _fields(fields: tuple[ReplyField, ...], room: int) -> list[dict[str, Any]]:
    shown = list(fields)
    if len(shown) > MAX_FIELDS:  # said, not silently dropped (paged lists never get here)
        left = len(shown) - (MAX_FIELDS - 1)
        shown = [*shown[: MAX_FIELDS - 1], ReplyField(label="…", value=f"and {left:,} more")]
    # Discord refuses a blank field name or value.
    names = [clip(f.label.strip() or "-", MAX_FIELD_NAME) for f in shown]
    values = [clip(f.value.strip() or "-", MAX_FIELD_VALUE) for f in shown]
    if sum(map(len, names)) + sum(map(len, values)) > room:
        each = room // len(shown)  # at least 76 characters: room is 6,000 - 4,096 or more
        names = [clip(n, each // 3) for n in names]
        values = [clip(v, each - len(n)) for n, v in zip(names, values, strict=True)]
    return [{"name": n, "value": v, "inline": True} for n, v in zip(names, values, strict=True)]


def components_of(reply: Reply, *, disabled: bool = False) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    shown = reply.buttons[: MAX_ROWS * BUTTONS_PER_ROW]
    for start in range(0, len(shown), BUTTONS_PER_ROW):
        chunk = shown[start : start + BUTTONS_PER_ROW]
        rows.append({"type": 1, "components": [_button(b, disabled) for b in chunk]})
    return rows


def message_payload(reply: Reply, *, ephemeral: bool = False, lead: str = "") -> dict[str, Any]:
    """The JSON body for ``POST /channels/{id}/messages`` or a webhook followup."""
    payload: dict[str, Any] = {
        "content": content_of(reply, lead=lead),
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
        "label": clip(button.label, MAX_BUTTON_LABEL),
        "custom_id": custom_id(button),
        "disabled": disabled,
    }


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, never cutting a mention, an entity or an escape."""
    return _ATOMS.clip(text, limit)
