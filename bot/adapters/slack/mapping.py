"""Slack payloads → ``Invocation`` / ``ButtonClick``.

The inbound id is Slack's ``trigger_id``: unique per slash command and per click, and
identical when Slack re-delivers the same payload (a retry, ``X-Slack-Retry-Num``, or a
Socket Mode ``retry_attempt``), so the handler de-duplicates retries by it. Two clicks on one
button are two trigger ids; the handler's atomic decision is what makes the second a no-op.

A command's text arrives escaped (the manifest's ``should_escape: true``, so that a picked
user arrives as their id); ``text.command_text`` turns it into what the person typed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from bot.ports import ButtonClick
from bot.ports.invocation import Identity, Invocation, Scope

from .blocks import action_name
from .text import command_text

# Slack names a DM's channel ``directmessage`` and a group DM's ``mpdm-<a>--<b>-1``; a group
# DM's id starts with G like a (legacy) private channel's, so only its name tells them apart.
_DM_CHANNEL_NAME = "directmessage"
_GROUP_DM_PREFIX = "mpdm-"


class PayloadError(ValueError):
    """A payload without the fields every Slack command or click carries."""


def inbound_id(team: str, payload: Mapping[str, Any]) -> str:
    trigger = payload.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return f"slack:{team}:{trigger}"
    # Not expected from Slack; a digest of the payload still makes a re-delivery equal.
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return f"slack:{team}:sha256-{digest[:32]}"


def invocation_from_command(body: Mapping[str, Any], scope: Scope) -> Invocation:
    team = _required(body, "team_id")
    channel = _required(body, "channel_id")
    return Invocation(
        identity=Identity(platform="slack", workspace=team, user=_required(body, "user_id")),
        display_name=str(body.get("user_name") or ""),
        channel=channel,
        scope=scope,
        text=command_text(str(body.get("text") or "")).strip(),
        inbound_id=inbound_id(team, body),
        is_direct_message=_is_direct(channel, str(body.get("channel_name") or "")),
    )


def click_from_action(body: Mapping[str, Any], action: Mapping[str, Any]) -> ButtonClick | None:
    """The click on a button we rendered; ``None`` for any other action id."""
    name = action_name(str(action.get("action_id") or ""))
    if name is None:
        return None
    user = _mapping(body, "user")
    team = str(_mapping(body, "team").get("id") or user.get("team_id") or "")
    if not team:
        raise PayloadError("click without a team id")
    container = _mapping(body, "container")
    channel = str(container.get("channel_id") or _mapping(body, "channel").get("id") or "")
    if not channel:
        raise PayloadError("click without a channel id")
    return ButtonClick(
        identity=Identity(platform="slack", workspace=team, user=_required(user, "id")),
        display_name=str(user.get("username") or user.get("name") or ""),
        action=name,
        value=str(action.get("value") or ""),
        inbound_id=inbound_id(team, body),
        channel=channel,
        message_id=str(container.get("message_ts") or "") or None,
        is_direct_message=_is_direct(channel, str(_mapping(body, "channel").get("name") or "")),
    )


def _is_direct(channel_id: str, channel_name: str) -> bool:
    """A DM or a group DM: no channel whose membership the workspace controls."""
    return (
        channel_id.startswith("D")
        or channel_name == _DM_CHANNEL_NAME
        or channel_name.startswith(_GROUP_DM_PREFIX)
    )


def _required(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"payload without {key}")
    return value


def _mapping(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, Mapping) else {}
