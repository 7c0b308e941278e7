"""Slack's look for the screenshots: Block Kit as ``bot/adapters/slack/blocks.py`` writes it
(header, section text and fields, context, actions with their button styles, the tone emoji
a section starts with; attachments with their colour bar) and mrkdwn (``*bold*``, ``_italic_``,
``~strike~``, `` `code` ``, fenced blocks, ``<@U…>`` and ``<!subteam^…>`` as mention pills,
links, shortcodes), drawn in Slack's light theme. Messages from the bot in a row share one
avatar and name, as in Slack; ephemeral ones say "Only visible to you"; thread replies sit
indented under their parent."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from tests.support.render_html import TIME, Message, Stash, View, avatar, css, emphasis, formatted

_EMOJI = {
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "warning": "⚠️",
    "x": "❌",
    "hourglass_flowing_sand": "⏳",
    "information_source": "\u2139\ufe0f",
    "lock": "🔒",
    "key": "🔑",
    "eyes": "👀",
}
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
_CODE_BLOCK = re.compile(r"```\n?(.*?)\n?```", re.S)
_CODE = re.compile(r"`([^`\n]+)`")
_CONTROL = re.compile(r"<([^<>\n]+)>")
_EMPHASIS = (emphasis("*", "b"), emphasis("_", "i"), emphasis("~", "s"))
_EYE = (
    '<svg class="eye" viewBox="0 0 20 20"><path d="M10 4.5C5.5 4.5 2.3 8 1.2 10c1.1 2 4.3 5.5 8.8 '
    '5.5s7.7-3.5 8.8-5.5C17.7 8 14.5 4.5 10 4.5Zm0 9a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7Z" '
    'fill="currentColor"/></svg>'
)


class SlackLook:
    css = css("slack")
    nests_threads = True

    def thread_of(self, payload: Mapping[str, Any]) -> str | None:
        thread = payload.get("thread_ts")
        return str(thread) if thread else None

    def message(self, message: Message, view: View, previous: Message | None = None) -> str:
        ephemeral = message.only is not None
        # Slack draws a run of one sender's messages under one avatar; ephemerals stand alone.
        continued = previous is not None and not ephemeral and previous.only is None
        label = f'<div class="eph">{_EYE}Only visible to you</div>' if ephemeral else ""
        meta = (
            ""
            if continued
            else '<div class="meta"><span class="name">Jotunheim</span>'
            f'<span class="app">APP</span><span class="time">{TIME}</span></div>'
        )
        side = f'<span class="hover-time">{TIME[:-3]}</span>' if continued else avatar()
        classes = "msg" + " ephemeral" * ephemeral + " continued" * continued
        body = blocks(message.final, view) + self._thread(message, view)
        return (
            f'<div class="{classes}">{label}<div class="row"><div class="side">{side}</div>'
            f'<div class="body">{meta}{body}</div></div></div>'
        )

    def _thread(self, message: Message, view: View) -> str:
        if not message.replies:
            return ""
        count = len(message.replies)
        summary = (
            f'<div class="thread-summary">{avatar()}<span class="replies">{count} '
            f"{'reply' if count == 1 else 'replies'}</span>"
            f'<span class="time">Today at {TIME}</span></div>'
        )
        replies = "".join(self.message(reply, view) for reply in message.replies)
        return f'{summary}<div class="thread">{replies}</div>'


def blocks(payload: Mapping[str, Any], view: View) -> str:
    """A message's blocks (its ``text`` alone when it has none), then its attachments."""
    found: list[Mapping[str, Any]] = payload.get("blocks") or []
    parts = [block(b, view) for b in found]
    if not found and payload.get("text"):
        parts.append(f'<div class="b-section">{mrkdwn(str(payload["text"]), view)}</div>')
    for attachment in payload.get("attachments") or ():
        colour = html.escape(_colour(str(attachment.get("color") or "#dddddd")))
        inner = blocks(attachment, view)
        parts.append(f'<div class="attachment" style="border-left-color:{colour}">{inner}</div>')
    return "".join(parts)


def block(found: Mapping[str, Any], view: View) -> str:
    kind = found["type"]
    if kind == "header":
        return f'<div class="b-header">{text_object(found["text"], view)}</div>'
    if kind == "section":
        text = found.get("text")
        out = f'<div class="b-section">{text_object(text, view)}</div>' if text else ""
        fields = "".join(
            f'<div class="b-field">{text_object(f, view)}</div>' for f in found.get("fields", ())
        )
        return out + (f'<div class="b-fields">{fields}</div>' if fields else "")
    if kind == "context":
        items = "".join(f"<span>{text_object(e, view)}</span>" for e in found["elements"])
        return f'<div class="b-context">{items}</div>'
    if kind == "actions":
        buttons = "".join(_button(e) for e in found["elements"])
        return f'<div class="b-actions">{buttons}</div>'
    if kind == "divider":
        return '<hr class="b-divider">'
    raise ValueError(f"the screenshot renderer draws no Slack {kind!r} block yet")


def text_object(found: Mapping[str, Any], view: View) -> str:
    text = str(found["text"])
    if found.get("type") == "mrkdwn":
        return mrkdwn(text, view)
    shown = _SHORTCODE.sub(_emoji, text) if found.get("emoji") else text
    return html.escape(shown, quote=False).replace("\n", "<br>")


def mrkdwn(text: str, view: View) -> str:
    """Slack's mrkdwn as Slack draws it; ``&amp; &lt; &gt;`` are its escapes."""
    stash = Stash()
    text = _CODE_BLOCK.sub(lambda m: stash.put(f'<pre class="pre">{_literal(m[1])}</pre>'), text)
    text = _CODE.sub(lambda m: stash.put(f"<code>{_literal(m[1])}</code>"), text)
    text = _CONTROL.sub(lambda m: stash.put(_control(m[1], view)), text)
    return formatted(_unescape(_SHORTCODE.sub(_emoji, text)), _EMPHASIS, stash)


def _control(inner: str, view: View) -> str:
    """``<@U1>``, ``<!subteam^S1>``, ``<!here>``, ``<#C1|name>``, ``<https://…|label>``."""
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return _pill("@" + (label or view.name(target[1:])), target[1:] in view.me)
    if target.startswith("!subteam^"):
        group = target.removeprefix("!subteam^")
        return _pill("@" + view.name(group), group in view.me)
    if target in ("!here", "!channel", "!everyone"):
        return _pill("@" + target[1:], True)
    if target.startswith("#"):
        return _pill("#" + (label or target[1:]), False)
    if target.startswith(("http://", "https://", "mailto:")):
        return f'<a class="link">{_literal(label or target)}</a>'
    return html.escape(f"<{_unescape(inner)}>", quote=False)


def _pill(text: str, me: bool) -> str:
    return f'<span class="mention{" me" * me}">{html.escape(text, quote=False)}</span>'


def _button(element: Mapping[str, Any]) -> str:
    if element.get("type") != "button":
        raise ValueError(f"the screenshot renderer draws no Slack {element.get('type')!r} yet")
    style = str(element.get("style") or "default")
    label = html.escape(str(element["text"]["text"]), quote=False)
    return f'<span class="btn {html.escape(style)}">{label}</span>'


def _emoji(found: re.Match[str]) -> str:
    return _EMOJI.get(found[1], found[0])


def _literal(text: str) -> str:
    return html.escape(_unescape(text), quote=False)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _colour(value: str) -> str:
    named = {"good": "#2eb67d", "warning": "#ecb22e", "danger": "#e01e5a"}
    return named.get(value, value)
