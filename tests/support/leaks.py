"""What must never reach chat: job ids with the deployment's prefix, identity keys, Python
reprs, module paths and step function names. The suite-wide fixture in ``fixtures.py``
scans every text every test showed to anyone (the chat recorder, the mock Slack Web API,
the mock Discord API) and fails the test that showed one."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from typing import Any

from jobs import backup, server

# step method names as Python spells them ("grow_disk"); plain words ("stop") are English
_STEP_NAMES = sorted(
    {
        step.name
        for factories in (server.ACTIONS, backup.ACTIONS)
        for factory in factories.values()
        for step in getattr(factory, "steps", ())
        if "_" in step.name
    }
)

LEAKS: dict[str, re.Pattern[str]] = {
    "a prefixed job id": re.compile(r"\b[A-Za-z0-9_.]+-[0-9a-f]{32}(?:-[st]\d+)?\b"),
    "an identity key": re.compile(r"\b(?:slack|discord|console):[A-Za-z0-9_-]+:[A-Za-z0-9_.-]+"),
    "a Python repr": re.compile(
        r"\b[A-Z]\w*\([a-z_]+=|\b[a-z_]+='[^']*'|\[None\]|<[\w.]+ object at 0x"
    ),
    "a module path": re.compile(r"\b(?:bot|jobs|actions|proxmox)\.[a-z_]+\.[A-Za-z_]+"),
    # The bot's own settings are for whoever runs it (its log says which to check).
    "a bot setting": re.compile(r"\bPROXMOX_[A-Z_]+"),
}
if _STEP_NAMES:
    LEAKS["a step function name"] = re.compile(r"\b(?:" + "|".join(_STEP_NAMES) + r")\b")


def leaks_in(texts: Iterable[str]) -> list[str]:
    found = []
    for text in texts:
        for what, pattern in LEAKS.items():
            match = pattern.search(text)
            if match:
                found.append(f"{what} ({match.group(0)!r}) in: {text[:300]!r}")
    return found


def texts_of_payload(body: Any) -> list[str]:
    """The human-readable strings of a platform payload (Block Kit, Discord message)."""
    found: list[str] = []
    if isinstance(body, dict):
        for key, value in body.items():
            readable = {"text", "content", "title", "description", "value", "name", "label"}
            if key in readable and isinstance(value, str):
                found.append(value)
            if key in {"custom_id", "action_id", "block_id", "url", "token", "channel", "ts"}:
                continue  # ids and addresses, not what people read
            if isinstance(value, dict | list):
                found += texts_of_payload(value)
    elif isinstance(body, list):
        for item in body:
            found += texts_of_payload(item)
    elif isinstance(body, str) and body.startswith(("{", "[")):
        with contextlib.suppress(ValueError):  # a string that only looks like JSON
            found += texts_of_payload(json.loads(body))
    return found
