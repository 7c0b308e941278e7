"""Discord's look for the screenshots: a message payload as ``bot/adapters/discord/render.py``
writes it (content in Discord markdown, embeds with their colour bar, description and inline
fields, button rows with their styles, greyed when disabled), drawn in Discord's dark theme.
An answer to a slash command names the command above it ("alice used /server resize"), a
reply quotes the message it answers, an ephemeral one says "Only you can see this", an
edited one says "(edited)", and a message that pings the viewer is highlighted."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from tests.support.discordbot import discord_options
from tests.support.render_html import TIME, Message, Stash, View, avatar, css, emphasis, formatted

EPHEMERAL = 1 << 6
_BUTTON_STYLES = {1: "primary", 2: "secondary", 3: "success", 4: "danger", 5: "link"}
_CODE_BLOCK = re.compile(r"```(?:[a-z0-9]*\n)?(.*?)\n?```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_ESCAPED = re.compile(r"\\([^A-Za-z0-9\s])")  # a markdown escape, \* or \_
_MENTION = re.compile(r"<(@!?|@&|#)(\d+)>")
_EMPHASIS = (
    emphasis("**", "b"),
    emphasis("__", "u"),
    emphasis("*", "i"),
    emphasis("_", "i"),
    emphasis("~~", "s"),
)
_EYE = (
    '<svg class="eye" viewBox="0 0 24 24"><path fill="currentColor" d="M12 5C5.6 5 2 12 2 12s3.6'
    ' 7 10 7 10-7 10-7-3.6-7-10-7Zm0 11a4 4 0 1 1 0-8 4 4 0 0 1 0 8Z"/></svg>'
)


class DiscordLook:
    css = css("discord")
    nests_threads = False  # a reply is a message of its own that quotes what it answers

    def thread_of(self, payload: Mapping[str, Any]) -> str | None:
        reference = payload.get("message_reference") or {}
        return str(reference["message_id"]) if "message_id" in reference else None

    def message(self, message: Message, view: View, previous: Message | None = None) -> str:
        payload = message.final
        ephemeral = message.only is not None or bool(int(payload.get("flags") or 0) & EPHEMERAL)
        standalone = message.command or message.parent or ephemeral
        continued = previous is not None and not standalone and previous.only is None
        content = markdown(str(payload.get("content") or ""), view)
        if len(message.frames) > 1 and content:
            content += '<span class="edited">(edited)</span>'
        parts = [f'<div class="content">{content}</div>' if content else ""]
        parts += [_embed(e, view) for e in payload.get("embeds") or ()]
        parts += [_row(r) for r in payload.get("components") or ()]
        if ephemeral:
            parts.append(
                f'<div class="eph">{_EYE}Only you can see this • '
                '<span class="link">Dismiss message</span></div>'
            )
        pinged = _pings(str(payload.get("content") or ""), view)
        classes = "msg" + " continued" * continued + " pinged" * pinged
        side = f'<span class="hover-time">{TIME[:-3]}</span>' if continued else avatar()
        meta = "" if continued else (
            '<div class="meta"><span class="name">Jotunheim</span><span class="app">APP</span>'
            f'<span class="time">Today at {TIME}</span></div>'
        )  # fmt: skip
        return (
            f'<div class="{classes}">{self._above(message, view)}<div class="row">'
            f'<div class="side">{side}</div><div class="body">{meta}{"".join(parts)}</div>'
            "</div></div>"
        )

    def _above(self, message: Message, view: View) -> str:
        """What Discord draws above a message: the command it answers, or the quoted reply."""
        if message.command:
            root, path, _ = discord_options(message.command)
            command = html.escape(" ".join(["/" + root, *path]))
            return (
                f'<div class="above">{avatar("person", view.viewer)}'
                f'<span class="who">{html.escape(view.viewer)}</span> used '
                f'<span class="command">{command}</span></div>'
            )
        if message.parent is not None:
            quoted = str(message.parent.final.get("content") or "").split("\n")
            first = re.sub(r"\*\*|\\", "", quoted[0])
            return (
                f'<div class="above">{avatar()}<span class="who">Jotunheim</span>'
                f'<span class="app">APP</span><span class="quote">{html.escape(first)}</span></div>'
            )
        return ""


def markdown(text: str, view: View) -> str:
    """Discord's markdown as Discord draws it: escapes, code, mentions, emphasis."""
    stash = Stash()
    text = _CODE_BLOCK.sub(lambda m: stash.put(f'<pre class="pre">{_esc(m[1])}</pre>'), text)
    text = _CODE.sub(lambda m: stash.put(f"<code>{_esc(m[1])}</code>"), text)
    text = _ESCAPED.sub(lambda m: stash.put(_esc(m[1])), text)
    text = _MENTION.sub(lambda m: stash.put(_mention(m[1], m[2], view)), text)
    return formatted(text, _EMPHASIS, stash)


def _mention(kind: str, target: str, view: View) -> str:
    sign = "#" if kind == "#" else "@"
    me = " me" * (target in view.me)
    return f'<span class="mention{me}">{sign}{_esc(view.name(target))}</span>'


def _pings(content: str, view: View) -> bool:
    return any(target in view.me for _, target in _MENTION.findall(content))


def _embed(embed: Mapping[str, Any], view: View) -> str:
    colour = f"#{int(embed.get('color') or 0x1E1F22):06x}"
    parts = []
    if embed.get("title"):
        parts.append(f'<div class="e-title">{markdown(str(embed["title"]), view)}</div>')
    if embed.get("description"):
        parts.append(f'<div class="e-desc">{markdown(str(embed["description"]), view)}</div>')
    fields = [
        f'<div class="e-field" style="grid-column:{span}">'
        f'<div class="e-name">{markdown(str(f["name"]), view)}</div>'
        f'<div class="e-value">{markdown(str(f["value"]), view)}</div></div>'
        for f, span in _field_spans(embed.get("fields") or [])
    ]
    if fields:
        parts.append(f'<div class="e-fields">{"".join(fields)}</div>')
    if (embed.get("footer") or {}).get("text"):
        parts.append(f'<div class="e-footer">{_esc(str(embed["footer"]["text"]))}</div>')
    return f'<div class="embed" style="border-left-color:{colour}">{"".join(parts)}</div>'


def _field_spans(fields: list[Mapping[str, Any]]) -> list[tuple[Mapping[str, Any], str]]:
    """Where each field sits on Discord's 12-column grid: up to three inline fields share a
    row equally (one alone takes all of it); a field that is not inline has a row of its own."""
    rows: list[list[Mapping[str, Any]]] = []
    for field in fields:
        if field.get("inline") and rows and rows[-1][-1].get("inline") and len(rows[-1]) < 3:
            rows[-1].append(field)
        else:
            rows.append([field])
    placed = []
    for row in rows:
        width = 12 // len(row)
        placed += [(f, f"{1 + i * width} / {1 + (i + 1) * width}") for i, f in enumerate(row)]
    return placed


def _row(row: Mapping[str, Any]) -> str:
    buttons = []
    for component in row.get("components") or ():
        if component.get("type") != 2:
            raise ValueError(f"the screenshot renderer draws no Discord component {component}")
        style = _BUTTON_STYLES[int(component.get("style") or 2)]
        disabled = " disabled" * bool(component.get("disabled"))
        label = _esc(str(component.get("label") or ""))
        buttons.append(f'<span class="btn {style}{disabled}">{label}</span>')
    return f'<div class="buttons">{"".join(buttons)}</div>'


def _esc(text: str) -> str:
    return html.escape(text, quote=False)
