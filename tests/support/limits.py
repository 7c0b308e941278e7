"""Every size limit Slack and Discord set on a message we send, as one check per payload.

``slack_problems`` reads a Block Kit payload as Slack receives it (an ack, a
``chat.postMessage``/``chat.update``/``chat.postEphemeral`` body, a response URL body);
``discord_problems`` a message as Discord receives it (a REST body, an interaction
response). Each returns what is wrong, in words, so a failing test says which limit broke
in which part; an empty list is a payload the platform accepts and shows as we meant it:
no markup cut in half (a code fence left open, half an entity or mention, an unclosed bold
label), nothing over a limit.

Limits: Slack's Block Kit reference (section text 3,000, header 150, field 2,000 and 10 per
section, 50 blocks, button value 2,000, action_id 255, button text 75, 25 elements in an
actions block); Discord's message, embed and component objects (content 2,000, embed
description 4,096, 6,000 for all embeds of a message, field name 256 and value 1,024, 25
fields, 10 embeds, 5 action rows of 5 components, custom_id 100, button label 80, 25
autocomplete choices of at most 100 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_SLACK_MARKUP = re.compile(r"<[^<>]*>")
_SLACK_ENTITY_CUT = re.compile(r"&(?!amp;|lt;|gt;)")
# A mention cut short: its start, digits, then the ellipsis of a cut or the end of the text.
_LEAD = re.compile(r"^<@&\d+> ")  # the role mention a notifier puts in front
_DISCORD_MENTION_CUT = re.compile(r"<(?:@[!&]?|#)?\d*(?:…|$)")


def slack_problems(payload: Mapping[str, Any]) -> list[str]:
    blocks: list[dict[str, Any]] = list(payload.get("blocks") or [])
    found = _over("message text", str(payload.get("text") or ""), 4000)
    if len(blocks) > 50:
        found.append(f"{len(blocks)} blocks (at most 50)")
    for n, block in enumerate(blocks):
        found += [f"block {n} ({block['type']}): {p}" for p in _slack_block(block)]
    return found


def _slack_block(block: Mapping[str, Any]) -> list[str]:
    kind = block["type"]
    if kind == "header":
        return _over("header", block["text"]["text"], 150)
    if kind == "section" and "text" in block:
        text = str(block["text"]["text"])
        return _over("section text", text, 3000) + _slack_markup(text) + _empty(text)
    if kind == "section":
        fields = block["fields"]
        found = [f"{len(fields)} fields (at most 10)"] if len(fields) > 10 else []
        for field in fields:
            text = str(field["text"])
            found += _over("field", text, 2000) + _slack_markup(text)
            if not re.match(r"\*[^\n*]*\*\n", text):
                found.append(f"field label not closed bold: {text[:60]!r}")
        return found
    if kind == "actions":
        elements = block["elements"]
        found = [f"{len(elements)} elements (at most 25)"] if len(elements) > 25 else []
        for button in elements:
            found += _over("action_id", button["action_id"], 255)
            found += _over("button value", button["value"], 2000)
            found += _over("button text", button["text"]["text"], 75)
        return found
    return [f"unknown block type {kind}"]


def _slack_markup(text: str) -> list[str]:
    """Markup whole: one closed code block or none, every entity and mention complete."""
    found = []
    fences = text.count("```")
    if fences not in (0, 2) or (
        fences == 2 and not (text.startswith("```") and text.endswith("```"))
    ):
        found.append(f"code fence cut: {text[:60]!r}…{text[-60:]!r}")
    if _SLACK_ENTITY_CUT.search(text):
        found.append(f"an entity cut in half: {_near(text, _SLACK_ENTITY_CUT)}")
    if re.search(r"[<>]", _SLACK_MARKUP.sub("", text)):
        found.append(f"a mention or link cut in half: {text[:80]!r}")
    return found


def discord_problems(payload: Mapping[str, Any]) -> list[str]:
    content = str(payload.get("content") or "")
    found = _over("content", content, 2000)
    if content.endswith("…") and _DISCORD_MENTION_CUT.search(content[-30:]):
        found.append(f"a mention cut in half: {content[-80:]!r}")
    first = _LEAD.sub("", content.split("\n", 1)[0])
    if first.startswith("**") and not (len(first) > 4 and first.endswith("**")):
        found.append(f"heading bold not closed: {first[:80]!r}")
    embeds: list[dict[str, Any]] = list(payload.get("embeds") or [])
    if not content.strip() and not embeds:
        found.append("an empty message (Discord refuses it)")
    if len(embeds) > 10:
        found.append(f"{len(embeds)} embeds (at most 10)")
    total = 0
    for embed in embeds:
        found += _discord_embed(embed)
        total += _embed_size(embed)
    if total > 6000:
        found.append(f"all embeds hold {total} characters (at most 6,000)")
    found += _discord_components(payload.get("components") or [])
    return found


def _discord_embed(embed: Mapping[str, Any]) -> list[str]:
    description = str(embed.get("description") or "")
    found = _over("embed description", description, 4096)
    if description.count("```") % 2:
        found.append(f"code fence left open: {description[-80:]!r}")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        found.append(f"{len(fields)} fields (at most 25)")
    for field in fields:
        found += _over("field name", field["name"], 256) + _empty(field["name"])
        found += _over("field value", field["value"], 1024) + _empty(field["value"])
    return found


def _embed_size(embed: Mapping[str, Any]) -> int:
    size = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    size += len(str((embed.get("footer") or {}).get("text") or ""))
    size += len(str((embed.get("author") or {}).get("name") or ""))
    return size + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields") or [])


def _discord_components(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    rows = list(rows)
    found = [f"{len(rows)} action rows (at most 5)"] if len(rows) > 5 else []
    for row in rows:
        components = row.get("components") or []
        if len(components) > 5:
            found.append(f"{len(components)} components in a row (at most 5)")
        for component in components:
            found += _over("custom_id", component["custom_id"], 100)
            found += _over("button label", str(component.get("label") or ""), 80)
    return found


def choices_problems(choices: Iterable[tuple[str, str]]) -> list[str]:
    """Autocomplete choices as (name, value): at most 25, each at most 100 characters."""
    choices = list(choices)
    found = [f"{len(choices)} choices (at most 25)"] if len(choices) > 25 else []
    for name, value in choices:
        found += _over("choice name", name, 100) + _over("choice value", value, 100)
    return found


def _over(what: str, text: str, limit: int) -> list[str]:
    return [f"{what} of {len(text):,} characters (at most {limit:,})"] if len(text) > limit else []


def _empty(text: str) -> list[str]:
    return ["empty text (the platform refuses it)"] if not text.strip() else []


def _near(text: str, pattern: re.Pattern[str]) -> str:
    found = pattern.search(text)
    at = found.start() if found else 0
    return repr(text[max(0, at - 30) : at + 30])
