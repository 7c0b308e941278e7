"""The form a click asks for first (Deny: why?), as a Slack modal, and its submission back
into the same ``ButtonClick`` with the reason.

The modal is opened with ``views.open`` and the click's ``trigger_id``, which Slack honours
for 3 seconds: that one call is made on the ack path. What the submission must know to
finish the click (which button, on which message, in which channel) rides in the view's
``private_metadata``: ids only, which Slack hands back unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.ports import ButtonClick, ReasonPrompt
from bot.ports.invocation import Identity

from .mapping import PayloadError, inbound_id

REASON_CALLBACK = "jh:reason"
_BLOCK = "reason"
_INPUT = "text"
_TITLE_LIMIT = 24  # Slack's limit for a modal title
_LABEL_LIMIT = 2000
_PLACEHOLDER_LIMIT = 150


def reason_modal(prompt: ReasonPrompt, click: ButtonClick, *, on_ephemeral: bool) -> dict[str, Any]:
    metadata = {
        "action": prompt.action,
        "value": prompt.value,
        "channel": click.channel,
        "message": click.message_id,
        "ephemeral": on_ephemeral,
    }
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": _INPUT,
        "multiline": True,
        "max_length": prompt.max_length,
    }
    if prompt.placeholder:
        element["placeholder"] = _plain(prompt.placeholder, _PLACEHOLDER_LIMIT)
    return {
        "type": "modal",
        "callback_id": REASON_CALLBACK,
        "title": _plain(prompt.title, _TITLE_LIMIT),
        "submit": _plain("Send", 24),
        "close": _plain("Cancel", 24),
        "private_metadata": json.dumps(metadata),
        "blocks": [
            {
                "type": "input",
                "block_id": _BLOCK,
                "label": _plain(prompt.label, _LABEL_LIMIT),
                "element": element,
            }
        ],
    }


def click_from_submission(body: Mapping[str, Any]) -> tuple[ButtonClick, bool]:
    """The click the modal finishes, with its reason; and whether the clicked message was an
    ephemeral one (only its ``response_url`` could replace it, and a modal has none)."""
    view = body.get("view")
    user = body.get("user")
    if not isinstance(view, Mapping) or not isinstance(user, Mapping):
        raise PayloadError("view submission without a view or a user")
    try:
        metadata = json.loads(str(view.get("private_metadata") or ""))
        reason = view["state"]["values"][_BLOCK][_INPUT]["value"]
    except (ValueError, KeyError, TypeError) as exc:
        raise PayloadError("view submission without our reason field") from exc
    team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
    if not team or not isinstance(metadata, dict):
        raise PayloadError("view submission without a team id")
    click = ButtonClick(
        identity=Identity(platform="slack", workspace=team, user=str(user.get("id") or "")),
        display_name=str(user.get("username") or user.get("name") or ""),
        action=str(metadata.get("action") or ""),
        value=str(metadata.get("value") or ""),
        # The view's own id: a re-delivered submission is the same decision, not a new one.
        inbound_id=inbound_id(team, {"trigger_id": f"view-{view.get('id') or ''}"}),
        channel=str(metadata.get("channel") or ""),
        message_id=str(metadata.get("message") or "") or None,
        reason=str(reason or ""),
    )
    return click, bool(metadata.get("ephemeral"))


def _plain(text: str, limit: int) -> dict[str, Any]:
    clipped = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": clipped}
