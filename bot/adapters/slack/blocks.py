"""``Reply`` → Block Kit. Pure functions, no Slack client: the same rendering serves slash
command acks, approval messages, click results and worker notifications.

All text from a ``Reply`` is escaped: a server name or an argument a user typed must never
become ``<!channel>`` or a link. Slack's size limits hold by construction, since a rejected
message (``invalid_blocks``) would lose the reply altogether: long text and code are split
into several sections (each code piece inside fences of its own, so no block shows raw
backticks), a cut never falls inside an entity or a mention, and a message that would need
more than 50 blocks ends with a section saying that the rest was left out.
"""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.cutting import Atoms
from bot.ports.reply import Button, Reply, ReplyField, Tone

Block = dict[str, Any]
_MENTION = re.compile(r"&lt;(@[UW][A-Z0-9]{2,20}|!subteam\^S[A-Z0-9]{2,20})&gt;")

ACTION_PREFIX = "jh"
# Slack's documented limits (Block Kit reference): what one message may hold.
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
MAX_BLOCKS = 50
BUTTON_VALUE_LIMIT = 2000
ACTION_ID_LIMIT = 255
_LABEL_LIMIT = 200  # a field's bold label; its value gets the rest of the field
_BUTTON_TEXT_LIMIT = 75
_CONFIRM_TEXT_LIMIT = 300
_FALLBACK_LIMIT = 4000
_FENCE = "```"
_CUT_NOTE = "_… the rest does not fit in one Slack message_"
# What a cut must not split: an entity ``escape`` wrote, a mention it kept; else a character.
_ATOMS = Atoms(re.compile(r"&(?:amp|lt|gt);|<[^<>\n]{1,100}>|.", re.DOTALL), 102)
_TONE_ICON: dict[Tone, str] = {
    "info": "",
    "success": ":white_check_mark: ",
    "warning": ":warning: ",
    "error": ":x: ",
}


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal in mrkdwn but a code
    fence. A user or user-group mention (``<@U123>``, ``<!subteam^S1>``: how our replies
    name people) stays one. What people type cannot smuggle one in: the adapter unwraps
    typed mentions to ids."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A fence in text would open a code block nothing closes (raw backticks on screen);
    # code blocks are ours alone.
    return _MENTION.sub(r"<\1>", escaped).replace(_FENCE, "'''")


def render_blocks(reply: Reply) -> list[Block]:
    head: list[Block] = []
    icon = _TONE_ICON[reply.tone]
    if reply.title:  # plain text: a header cannot carry mrkdwn, so nothing to escape
        # The tone heads the message: on the header when there is one (its emoji shortcode
        # renders there), else before the text; never on whatever line comes first.
        shown = _clip(icon + reply.title, HEADER_LIMIT)
        head.append(
            {"type": "header", "text": {"type": "plain_text", "text": shown, "emoji": True}}
        )
        icon = ""
    # Slack refuses a section without text: a blank piece (at a cut) is left out.
    text = split(icon + escape(reply.text))
    body = [_section(piece) for piece in text if piece.strip()]
    body += _field_sections(reply.fields)
    if reply.code:
        code = escape(reply.code)
        pieces = split(code, SECTION_LIMIT - 2 * len(_FENCE))
        body += [_section(_FENCE + piece + _FENCE) for piece in pieces if piece.strip()]
    tail = [{"type": "actions", "elements": _buttons(reply.buttons)}] if reply.buttons else []
    if not body:  # a reply of nothing but blanks still says something Slack accepts
        body = [_section("…")]
    room = MAX_BLOCKS - len(head) - len(tail)
    if len(body) > room:  # paged lists never get here; said, rather than refused by Slack
        body = [*body[: room - 1], _section(_CUT_NOTE)]
    return head + body + tail


def fallback_text(reply: Reply) -> str:
    """The ``text`` Slack shows in notifications and screen readers (no secrets: a private
    reply's code is shown only in its blocks, which go to the requester alone anyway)."""
    text = f"{reply.title}: {reply.text}" if reply.title else reply.text
    return clip(escape(text), _FALLBACK_LIMIT)


def message_payload(reply: Reply) -> dict[str, Any]:
    """``text`` + ``blocks`` keyword arguments for chat.* calls and acks."""
    return {"text": fallback_text(reply), "blocks": render_blocks(reply)}


def action_id(index: int, button: Button) -> str:
    """Unique within a message (Slack requires it); the handler's action name stays last."""
    return f"{ACTION_PREFIX}:{index}:{button.action}"


def action_name(slack_action_id: str) -> str | None:
    """The handler's action name from an ``action_id`` we rendered, else ``None``."""
    prefix, _, rest = slack_action_id.partition(":")
    _, _, name = rest.partition(":")
    return name if prefix == ACTION_PREFIX and name else None


def split(mrkdwn: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Escaped text in pieces of at most ``limit`` characters: at a line break where one is
    in reach (the break itself is dropped), else after the last whole entity or mention."""
    pieces: list[str] = []
    while len(mrkdwn) > limit:
        cut = mrkdwn.rfind("\n", 0, limit + 1)
        if cut > 0:
            pieces.append(mrkdwn[:cut])
            mrkdwn = mrkdwn[cut + 1 :]
        else:
            cut = _ATOMS.whole(mrkdwn, limit)
            pieces.append(mrkdwn[:cut])
            mrkdwn = mrkdwn[cut:]
    pieces.append(mrkdwn)
    return pieces


def clip(mrkdwn: str, limit: int) -> str:
    """At most ``limit`` characters, never cutting a mention, an entity or an escape."""
    return _ATOMS.clip(mrkdwn, limit)


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}


def _field_sections(fields: tuple[ReplyField, ...]) -> list[Block]:
    rendered = [{"type": "mrkdwn", "text": _field_text(f)} for f in fields]
    return [
        {"type": "section", "fields": rendered[i : i + FIELDS_PER_SECTION]}
        for i in range(0, len(rendered), FIELDS_PER_SECTION)
    ]


def _field_text(field: ReplyField) -> str:
    """``*label*`` and the value, each clipped on its own, so the bold is always closed
    (mrkdwn's bold ends at a line break or a ``*``, and it has no escape for either)."""
    shown = " ".join(field.label.replace("*", "\u2217").split()) or "-"  # the asterisk operator
    label = "*" + clip(escape(shown), _LABEL_LIMIT) + "*\n"
    return label + clip(escape(field.value), FIELD_LIMIT - len(label))


def _buttons(buttons: tuple[Button, ...]) -> list[Block]:
    # A ``Button``'s action and value are bounded (``bot.ports.reply``) well inside Slack's
    # ``action_id`` and ``value`` limits: a click payload is never cut.
    elements = []
    for index, button in enumerate(buttons):
        element: Block = {
            "type": "button",
            "action_id": action_id(index, button),
            "text": _plain(button.label, _BUTTON_TEXT_LIMIT),
            "value": button.value,
        }
        if button.style != "default":
            element["style"] = button.style
        if button.confirm:
            element["confirm"] = _confirm(button)
        elements.append(element)
    return elements


def _confirm(button: Button) -> Block:
    """The dialog Slack shows before sending the click; style follows the button's."""
    dialog: Block = {
        "title": _plain("Are you sure?", 100),
        "text": _plain(button.confirm or "", _CONFIRM_TEXT_LIMIT),
        "confirm": _plain(button.label, 30),
        "deny": _plain("Cancel", 30),
    }
    if button.style != "default":
        dialog["style"] = button.style
    return dialog


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": _clip(text, limit), "emoji": True}


def _clip(text: str, limit: int) -> str:
    """Plain text (headers, button labels): no markup, nothing to keep whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
