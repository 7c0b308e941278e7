"""Slack's escaped slash-command text → the plain text the platform-neutral parser reads.

With ``should_escape: true`` (the manifest) Slack sends what the person typed with its
control sequences spelled out: ``<@U123|carol>`` (or ``<@U123>``) for a user they picked,
``<#C123|general>`` for a channel, ``<https://…|text>`` for anything it made a link (a URL,
a domain-like word such as ``web1.example.com``), ``<mailto:…|…>`` for an e-mail address,
``<!here>``, ``<!subteam^S123|@ops>`` and ``<!date^…|fallback>`` for special mentions, and
``&amp; &lt; &gt;`` for the literal ``& < >``. Every ``<`` and ``>`` left in the text is
one of those sequences, because the literal ones arrive escaped.

``command_text`` undoes that: each sequence becomes the text the person saw in their
message box, and the entities become their characters, in one pass (so a literal
``&amp;lt;`` stays ``&lt;``). A user mention that is a whole value (a word of its own, a
``key=`` value, all of a quoted word) becomes the user's id, which is how commands name a
user (``/admin link <@U123|carol> acme`` → ``link U123 acme``); inside other text (a note)
it reads ``@carol``. The unwrapped text no longer pings anyone when a reply echoes it.
"""

from __future__ import annotations

import re

_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
# A control sequence (nothing inside it is an unescaped < or >), or an entity.
_TOKEN = re.compile(r"<(?P<body>[^<>]*)>|(?P<entity>&(?:amp|lt|gt);)")
_USER_MENTION = re.compile(r"<@[^<>|]+(?:\|[^<>]*)?>")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*=")


def command_text(escaped: str) -> str:
    """The text the person typed, with a user mention that is a whole value as the user's id."""
    ids = _mentions_as_values(escaped)

    def replace(match: re.Match[str]) -> str:
        if match["entity"]:
            return _ENTITIES[match["entity"]]
        return _unwrapped(match["body"], as_id=match.span() in ids)

    return _TOKEN.sub(replace, escaped)


def unescape(text: str) -> str:
    """``&amp; &lt; &gt;`` → ``& < >`` (the only entities Slack uses), in one pass."""
    return re.sub(r"&(?:amp|lt|gt);", lambda m: _ENTITIES[m[0]], text)


def _unwrapped(body: str, *, as_id: bool) -> str:
    """One ``<target|label>`` sequence as the text it stands for."""
    target, bar, label = body.partition("|")
    label = unescape(label)
    if target.startswith("@"):  # a user
        return target[1:] if as_id else f"@{label or target[1:]}"
    if target.startswith("#"):  # a channel
        return f"#{label}" if bar else target
    if target.startswith("!"):  # @here, @channel, @everyone, a user group, a date
        if bar:
            return label
        name, _, rest = target[1:].partition("^")
        return "@" + (rest.partition("^")[0] or name)  # <!subteam^S123> → @S123
    if bar:  # a link or an e-mail address Slack made of what was typed
        return label
    return unescape(target.removeprefix("mailto:"))


def _mentions_as_values(escaped: str) -> set[tuple[int, int]]:
    """Where a user mention is a whole value for the parser: a word of its own, after a
    ``key=``, or all of a quoted word. Spans in ``escaped``."""
    found: set[tuple[int, int]] = set()
    for start, end in _words(escaped):
        word = escaped[start:end]
        key = _KEY.match(word)
        value_at = start + (key.end() if key else 0)
        value = escaped[value_at:end]
        quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""
        if quoted:
            value_at, value = value_at + 1, value[1:-1]
        if _USER_MENTION.fullmatch(value):
            found.add((value_at, value_at + len(value)))
    return found


def _words(text: str) -> list[tuple[int, int]]:
    """Spans of the words the parser (shell-style) will see: whitespace outside quotes
    separates them; a control sequence is opaque (its label may hold spaces or quotes)."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if start is None and char.isspace():
            i += 1
            continue
        if start is None:
            start = i
        if char == "<" and (close := text.find(">", i)) != -1:
            i = close
        elif quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"':
                i += 1
        elif char in "'\"":
            quote = char
        elif char == "\\":
            i += 1
        elif char.isspace():
            spans.append((start, i))
            start = None
        i += 1
    if start is not None:
        spans.append((start, len(text)))
    return spans
