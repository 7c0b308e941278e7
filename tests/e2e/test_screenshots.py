"""The README's screenshots show today's payloads: each flow is captured again through the
real Slack and Discord harnesses (``tests/support/screens.py``) and its payload hash must be
the one ``docs/screenshots/payloads.json`` recorded when the picture was taken. No browser:
the pages are drawn as HTML only, so a payload the renderer cannot draw fails here too.
Changed wording changes the hashes on purpose; ``scripts/screenshots`` takes the pictures
again and records the new hashes."""

from __future__ import annotations

import redis

from tests.support.render_discord import markdown
from tests.support.render_html import View
from tests.support.render_slack import mrkdwn
from tests.support.screens import capture_all
from tests.support.screenshots import PICTURES, REGENERATE, recorded, render

RERUN = f"run {REGENERATE} (about 30 s) and commit docs/screenshots/"


def test_every_picture_shows_todays_payloads(testbot_redis: redis.Redis) -> None:
    captures = capture_all(testbot_redis)
    hashes = recorded()

    missing = [c.stem for c in captures if not (PICTURES / f"{c.stem}.png").is_file()]
    assert missing == [], f"no picture for {', '.join(missing)}: {RERUN}"
    stale = [c.stem for c in captures if hashes.get(f"{c.stem}.png") != c.digest()]
    assert stale == [], f"the pictures of {', '.join(stale)} show older payloads: {RERUN}"
    assert set(hashes) == {f"{c.stem}.png" for c in captures}, f"pictures of no flow: {RERUN}"
    for capture in captures:  # today's payloads are drawn, each message in its final state
        drawn = render(capture)
        assert 'class="msg' in drawn, capture.stem


VIEW = View(
    "alice", frozenset({"UALICE", "40"}), {"UALICE": "alice", "UBOSS": "boss", "40": "alice"}
)


def test_slack_text_is_escaped_and_its_markup_drawn() -> None:
    drawn = mrkdwn("*a* &lt;b&gt; &amp; <@UBOSS> <@UALICE> `x<y` <script> vzdump_2026_03", VIEW)

    assert drawn == (
        "<b>a</b> &lt;b&gt; &amp; "
        '<span class="mention">@boss</span> <span class="mention me">@alice</span> '
        "<code>x&lt;y</code> &lt;script&gt; vzdump_2026_03"
    )


def test_discord_text_is_escaped_and_its_markup_drawn() -> None:
    drawn = markdown("**acme\\_web** <@40> <img src=x> `a<b` 2026_03_08", VIEW)

    assert drawn == (
        '<b>acme_web</b> <span class="mention me">@alice</span> &lt;img src=x&gt; '
        "<code>a&lt;b</code> 2026_03_08"
    )
