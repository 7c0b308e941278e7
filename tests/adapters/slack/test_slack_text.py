"""Slack's escaped command text back to what the person typed (``command_text``)."""

from __future__ import annotations

import pytest

from bot.adapters.slack.text import command_text, unescape

CASES = {
    # A picked user, as a whole word, is their id: how commands name a user.
    "link <@U0123ABC|carol> acme": "link U0123ABC acme",
    "unlink <@U0123ABC>": "unlink U0123ABC",
    "link <@W0123ABC|grid-user> acme": "link W0123ABC acme",  # Enterprise Grid ids
    "x user=<@U1|carol>": "x user=U1",
    "x '<@U1|carol>'": "x 'U1'",
    'x "<@U1|carol>" <@U2>': 'x "U1" U2',
    # Inside other text it reads as it was shown.
    'note="ask <@U1|carol> first"': 'note="ask @carol first"',
    "note=<@U1|carol>'s": "note=@carol's",
    "note=hi<@U1>": "note=hi@U1",
    "note='for <@U1|carol>' <@U2|dan>": "note='for @carol' U2",
    "note=<!date^1392734382^{date}|Feb 18, 2014> <@U2|dan>": "note=Feb 18, 2014 U2",
    # Links, e-mail, channels and special mentions unwrap to their text.
    "status <http://web1.example.com|web1.example.com>": "status web1.example.com",
    "note=<https://example.com/a?b=1&amp;c=2>": "note=https://example.com/a?b=1&c=2",
    "note=<https://example.com|see &lt;this&gt;>": "note=see <this>",
    "note=<mailto:ops@example.com|ops@example.com>": "note=ops@example.com",
    "note=<mailto:ops@example.com>": "note=ops@example.com",
    "note=<#C0123|general>": "note=#general",
    "note=<#C0123>": "note=#C0123",
    "note=<!here>": "note=@here",
    "note=<!channel|channel>": "note=channel",
    "note=<!subteam^S0123|@ops>": "note=@ops",
    "note=<!subteam^S0123>": "note=@S0123",
    "note=<!date^1392734382^{date}|Feb 18, 2014>": "note=Feb 18, 2014",
    # The literal & < > arrive as entities; each is undone once.
    'note="a &amp; b &lt;c&gt;"': 'note="a & b <c>"',
    "note=&amp;lt;": "note=&lt;",
    "note=&amp;amp;": "note=&amp;",
    "restore 101 &lt;backup&gt;": "restore 101 <backup>",
    # Nothing Slack wraps: unchanged.
    "resize 101 cpu=4 memory=8G disk=+20G": "resize 101 cpu=4 memory=8G disk=+20G",
    "": "",
    "note=&nbsp; & &": "note=&nbsp; & &",
}


@pytest.mark.parametrize("escaped", CASES)
def test_slack_escapes_are_undone(escaped: str) -> None:
    assert command_text(escaped) == CASES[escaped]


def test_a_literal_mention_typed_as_text_stays_text() -> None:
    # Someone typing "<@U1>" themselves: Slack escapes it, so it is not a picked user.
    assert command_text("note=&lt;@U1&gt;") == "note=<@U1>"


def test_unescape_is_one_pass_over_the_three_entities() -> None:
    assert unescape("&amp;gt; &lt;&gt; &quot;") == "&gt; <> &quot;"
