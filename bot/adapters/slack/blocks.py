"""``Reply`` → Block Kit. Pure functions, no Slack client: the same rendering serves slash
command acks, approval messages, click results and worker notifications.

All text from a ``Reply`` is escaped: a server name or an argument a user typed must never
become ``<!channel>`` or a link. Slack's size limits are enforced by truncation, since a
rejected message (``invalid_blocks``) would lose the reply altogether.
"""

from __future__ import annotations

import re
from typing import Any

from bot.ports.reply import Button, Reply, ReplyField, Tone

Block = dict[str, Any]
_MENTION = re.compile(r"&lt;(@[UW][A-Z0-9]{2,20}|!subteam\^S[A-Z0-9]{2,20})&gt;")

ACTION_PREFIX = "jh"
_SECTION_LIMIT = 3000
_HEADER_LIMIT = 150
_FIELD_LIMIT = 2000
_FIELDS_PER_SECTION = 10
_BUTTON_TEXT_LIMIT = 75
_CONFIRM_TEXT_LIMIT = 300
_FALLBACK_LIMIT = 4000
_TONE_ICON: dict[Tone, str] = {
    "info": "",
    "success": ":white_check_mark: ",
    "warning": ":warning: ",
    "error": ":x: ",
}


def escape(text: str) -> str:
    """Slack's three control characters; everything else is literal in mrkdwn. A user or
    user-group mention (``<@U123>``, ``<!subteam^S1>``: how our replies name people) stays one.
    What people type cannot smuggle one in: the adapter unwraps typed mentions to ids."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub(r"<\1>", escaped)


def render_blocks(reply: Reply) -> list[Block]:
    blocks: list[Block] = []
    if reply.title:  # plain text: a header cannot carry mrkdwn, so nothing to escape
        header = {"type": "plain_text", "text": _clip(reply.title, _HEADER_LIMIT), "emoji": True}
        blocks.append({"type": "header", "text": header})
    blocks.append(_section(_TONE_ICON[reply.tone] + escape(reply.text)))
    blocks += _field_sections(reply.fields)
    if reply.code:
        blocks.append(_section("```" + escape(reply.code).replace("```", "'''") + "```"))
    if reply.buttons:
        blocks.append({"type": "actions", "elements": _buttons(reply.buttons)})
    return blocks


def fallback_text(reply: Reply) -> str:
    """The ``text`` Slack shows in notifications and screen readers (no secrets: a private
    reply's code is shown only in its blocks, which go to the requester alone anyway)."""
    text = f"{reply.title}: {reply.text}" if reply.title else reply.text
    return _clip(escape(text), _FALLBACK_LIMIT)


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


def _section(mrkdwn: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(mrkdwn, _SECTION_LIMIT)}}


def _field_sections(fields: tuple[ReplyField, ...]) -> list[Block]:
    rendered = [
        {"type": "mrkdwn", "text": _clip(f"*{escape(f.label)}*\n{escape(f.value)}", _FIELD_LIMIT)}
        for f in fields
    ]
    return [
        {"type": "section", "fields": rendered[i : i + _FIELDS_PER_SECTION]}
        for i in range(0, len(rendered), _FIELDS_PER_SECTION)
    ]


def _buttons(buttons: tuple[Button, ...]) -> list[Block]:
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
    return text if len(text) <= limit else text[: limit - 1] + "…"
