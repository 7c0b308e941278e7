"""Captured payloads (``screens.Capture``) → one static HTML page per flow and platform, drawn
like the app: the customer's channel as the customer sees it and, when an admin took part,
the admin channel as that admin sees it, side by side. Each message is shown in its final
state (an edit replaces what it edits), and the request's card once more as it read while
it ran. ``render_slack`` and ``render_discord`` draw the messages; this module folds the
payloads into messages and lays out the page. No browser here: ``screenshots`` runs one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from tests.support.screens import ADMIN, CUSTOMER, Capture, Delivery

PANE_WIDTH = 660  # CSS pixels per channel; the page is as wide as its panes
GAP = 16
CSS_DIR = Path(__file__).with_name("css")
TIME = "2:05 PM"  # screens.MOMENT, as the apps print it

PaneName = Literal["customer", "admins"]
CHANNELS: dict[PaneName, tuple[str, str]] = {
    "customer": ("acme-servers", f"{CUSTOMER}'s view, a customer of acme"),
    "admins": ("admins", f"{ADMIN}'s view, an admin"),
}
VIEWERS: dict[PaneName, str] = {"customer": CUSTOMER, "admins": ADMIN}


@dataclass
class Message:
    """One message as a person sees it: every version it had (``frames``, the last is what
    it reads now), who alone sees it, the line typed just before it was answered (Discord
    names the command above its answer), the message it answers in a thread, and (where the
    platform nests them) the thread's replies."""

    key: str | None
    frames: list[Mapping[str, Any]]
    only: str | None
    command: str | None = None
    parent: Message | None = None
    replies: list[Message] = field(default_factory=list)

    @property
    def final(self) -> Mapping[str, Any]:
        return self.frames[-1]


@dataclass(frozen=True)
class View:
    """Whose eyes: ``me`` are the ids that name the viewer (their user id, their group)."""

    viewer: str
    me: frozenset[str]
    names: Mapping[str, str]

    def name(self, platform_id: str) -> str:
        return self.names.get(platform_id, platform_id)


class Look(Protocol):
    """A platform's drawing: its style sheet, where a payload says it answers in a thread,
    whether the app nests thread replies under their parent, and one message as HTML."""

    css: str
    nests_threads: bool

    def thread_of(self, payload: Mapping[str, Any]) -> str | None: ...

    def message(self, message: Message, view: View, previous: Message | None = None) -> str:
        """``previous``: the message drawn just before it, for apps that group a run."""
        ...


@dataclass(frozen=True)
class Pane:
    name: PaneName
    messages: list[Message]
    view: View


def fold(deliveries: tuple[Delivery, ...], pane: PaneName, look: Look) -> list[Message]:
    """The messages a pane shows, in order: an edit becomes the next frame of the message it
    edits; a thread reply goes under its parent (or points at it); a typed line is kept for
    the answer that follows it."""
    shown: list[Message] = []
    by_key: dict[str, Message] = {}
    typed: str | None = None
    for delivery in (d for d in deliveries if d.pane == pane):
        if delivery.how == "typed":
            typed = str(delivery.payload["text"])
            continue
        edited = by_key.get(delivery.message or "")
        if delivery.how == "edit" and edited is not None:
            edited.frames.append(delivery.payload)
            continue
        command = typed if delivery.how == "reply" else None
        typed = None if command else typed
        message = Message(delivery.message, [delivery.payload], delivery.only, command)
        message.parent = by_key.get(look.thread_of(delivery.payload) or "")
        if message.parent is not None and look.nests_threads:
            message.parent.replies.append(message)
        else:
            shown.append(message)
        if delivery.message:
            by_key[delivery.message] = message
    return shown


def midflight(messages: list[Message]) -> Message | None:
    """The request's card as it read halfway through (the message edited most, at the middle
    of its versions before the last), or None when nothing was edited along the way."""
    edited = [m for m in messages if len(m.frames) > 1 and m.only is None]
    if not edited:
        return None
    card = max(edited, key=lambda m: len(m.frames))
    before = card.frames[:-1]
    return Message(card.key, [before[len(before) // 2]], None)


def panes(capture: Capture, look: Look) -> list[Pane]:
    found = []
    for name, viewer in VIEWERS.items():
        messages = fold(capture.deliveries, name, look)
        if not messages:
            continue
        admin = viewer == ADMIN  # the admins' group or role names them too
        me = {i for i, n in capture.names.items() if n == viewer or (admin and n == "admins")}
        found.append(Pane(name, messages, View(viewer, frozenset(me), capture.names)))
    return found


def page_width(capture: Capture) -> int:
    count = len({d.pane for d in capture.deliveries if d.how != "typed"})
    return count * PANE_WIDTH + (count + 1) * GAP


def page(capture: Capture, look: Look) -> str:
    """The whole page: one pane per channel, the card mid-flight under the customer's."""
    sections = []
    for pane in panes(capture, look):
        channel, whose = CHANNELS[pane.name]
        shown = pane.messages
        body = "".join(
            look.message(m, pane.view, shown[i - 1] if i else None) for i, m in enumerate(shown)
        )
        earlier = midflight(pane.messages) if pane.name == "customer" else None
        if earlier is not None:
            drawn = look.message(earlier, pane.view)
            body += f'<div class="earlier"><div class="earlier-label">While it ran, the same card read:</div>{drawn}</div>'  # noqa: E501
        sections.append(
            f'<section class="pane"><header class="bar"><span class="hash">#</span>'
            f'<span class="channel">{channel}</span><span class="whose">{whose}</span>'
            f'</header><div class="messages">{body}</div></section>'
        )
    title = html.escape(f"{capture.shot.title} — {capture.platform}")
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{look.css}</style></head>"
        f'<body class="{capture.platform}" style="width:{page_width(capture)}px">'
        f'<main class="window">{"".join(sections)}</main>'
        # The screenshot script reads the height back (chromium --dump-dom) to size the shot.
        "<script>document.body.dataset.height = Math.ceil("
        "document.documentElement.getBoundingClientRect().height)</script></body></html>"
    )


class Stash:
    """Markup set aside while text around it is escaped and formatted: each piece leaves a
    private-use placeholder that ``restore`` puts the HTML back into."""

    def __init__(self) -> None:
        self._pieces: list[str] = []

    def put(self, markup: str) -> str:
        self._pieces.append(markup)
        return f"\ue000{len(self._pieces) - 1}\ue001"

    def restore(self, text: str) -> str:
        return re.sub("\ue000(\\d+)\ue001", lambda m: self._pieces[int(m[1])], text)


Emphasis = tuple[tuple[re.Pattern[str], str], ...]


def formatted(text: str, emphasis: Emphasis, stash: Stash) -> str:
    """Escaped ``text`` with the emphasis rules applied, newlines as breaks, stashed markup
    back in place."""
    out = html.escape(text, quote=False)
    for pattern, tag in emphasis:
        out = pattern.sub(rf"<{tag}>\1</{tag}>", out)
    return stash.restore(out.replace("\n", "<br>"))


def emphasis(marker: str, tag: str) -> tuple[re.Pattern[str], str]:
    """``*bold*``-style emphasis: the marker hugs the words and is not inside a word."""
    m = re.escape(marker)
    return re.compile(rf"(?<![\w*_~]){m}(?=\S)(.+?)(?<=\S){m}(?![\w*_~])"), tag


def avatar(kind: str = "bot", name: str = "") -> str:
    """The bot's mountain on blue, or a person's initial on a colour of their own."""
    if kind == "bot":
        return (
            '<svg class="avatar" viewBox="0 0 40 40"><rect width="40" height="40" fill="#2d4f7c"/>'
            '<path d="M3 32 L15 13 L21 22 L26 16 L37 32 Z" fill="#dfe8f2"/>'
            '<path d="M15 13 L18.6 18.7 L16.4 17.6 L14.3 19.6 L12.4 17.1 Z" fill="#fff"/>'
            '<path d="M26 16 L29.2 20.7 L27.3 20 L25.6 21.4 L24 20 Z" fill="#fff"/></svg>'
        )
    hue = sum(map(ord, name)) * 47 % 360
    initial = html.escape(name[:1].upper())
    return f'<span class="avatar person" style="background:hsl({hue} 45% 52%)">{initial}</span>'


def css(name: str) -> str:
    return (CSS_DIR / f"{name}.css").read_text()
