"""The renderers hold both platforms' limits by construction: whatever a reply holds (text
full of ``& < >``, mentions, backticks, a 4,000-character Proxmox error, 600 fields, a long
code block), the Slack blocks and the Discord message it becomes pass every check of
``tests.support.limits``, and what had to be cut says so outside any markup."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord.render import message_payload as discord_payload
from bot.adapters.slack.blocks import message_payload as slack_payload
from bot.ports.reply import Button, Reply, ReplyField
from tests.support.limits import discord_problems, slack_problems
from tests.support.slackbot import slack_reply

PROXMOX_ERROR = "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout & <retry> "
LONG_ERROR = (PROXMOX_ERROR * 60)[:4000]

pieces = st.sampled_from(["x", " ", "\n", "&", "<", ">", "`", "```", "*", "_", "é", "<@U1>"])
texts = st.lists(pieces | st.text(max_size=40), max_size=400).map("".join)


def rendered(reply: Reply) -> tuple[dict[str, Any], dict[str, Any]]:
    return slack_payload(reply), discord_payload(reply)


def assert_within_limits(reply: Reply) -> None:
    slack, discord = rendered(reply)
    assert slack_problems(slack) == []
    assert discord_problems(discord) == []


@settings(max_examples=60, deadline=None)
@given(
    title=st.none() | texts,
    text=texts,
    code=st.none() | texts,
    fields=st.lists(st.tuples(texts, texts), max_size=40),
    repeat=st.integers(min_value=1, max_value=12),
)
def test_any_reply_renders_within_both_platforms_limits(
    title: str | None, text: str, code: str | None, fields: list[tuple[str, str]], repeat: int
) -> None:
    if title is None:  # a text that starts with ** would read as a heading to the check
        text = text.lstrip("*")
    reply = Reply(
        title=title,
        text=text * repeat,
        code=code * repeat if code else None,
        fields=tuple(ReplyField(label=label, value=value) for label, value in fields),
        buttons=(Button(action="page", value="servers.2", label="Next"),),
    )
    assert_within_limits(reply)


def test_a_long_proxmox_error_is_cut_after_the_markup_with_an_ellipsis() -> None:
    reply = Reply(
        title="Resize · acme-web (101)",
        text=f"✗ Failed: {LONG_ERROR}",
        fields=(ReplyField(label="Proxmox", value=LONG_ERROR),),
        code=f"{LONG_ERROR}\n{LONG_ERROR}",  # a task log of two such lines
        tone="error",
    )
    slack, discord = rendered(reply)

    assert slack_problems(slack) == []
    assert discord_problems(discord) == []
    # Slack: the text runs on into a second section, nothing lost; the field is clipped.
    back = slack_reply(slack)
    assert back.text.replace("\n", "") == f"✗ Failed: {LONG_ERROR}".replace("\n", "")
    assert back.fields[0].value.endswith("…")
    # Discord: the heading stays bold, the text ends with the ellipsis, the code's fence is
    # closed before the note that the rest did not fit.
    content = str(discord["content"])
    assert content.startswith("**\u274c Resize · acme-web (101)**\n✗ Failed: can't lock")
    assert content.endswith("…")
    assert len(content) == 2000
    [embed] = discord["embeds"]
    assert embed["description"].startswith(f"```\n{LONG_ERROR}\n```\n…")
    assert "\n```\n… (the rest of the output is too long to show here)" in embed["description"]
    assert embed["fields"][0]["value"].endswith("…")


def test_a_long_code_block_becomes_several_closed_ones_on_slack() -> None:
    lines = [f"{n:04d}: approval request for server {n} & <more>" for n in range(200)]
    blocks = slack_payload(Reply(text="200 lines", code="\n".join(lines)))["blocks"]

    code = [b["text"]["text"] for b in blocks if b["text"]["text"].startswith("```")]
    assert len(code) > 1
    assert all(c.endswith("```") and c.count("```") == 2 for c in code)
    assert slack_reply({"blocks": blocks}).code == "\n".join(lines)  # every line, in order


def test_a_cut_never_splits_an_entity_or_a_mention() -> None:
    for shift in range(12):  # the limit falls on every position of "&amp;" and "<@U…>"
        text = "x" * (2990 + shift) + "&<@UALICE12>" * 5
        for reply in (
            Reply(text=text),
            Reply(text="t", fields=(ReplyField(label="l", value=text),)),
        ):
            assert_within_limits(reply)
        content = str(
            discord_payload(Reply(text="x" * (1990 + shift) + "<@123456> " * 5))["content"]
        )
        assert discord_problems({"content": content}) == []


def test_more_fields_than_an_embed_holds_say_how_many_were_left_out() -> None:
    fields = tuple(ReplyField(label=str(n), value="v" * 1000) for n in range(601))
    slack, discord = rendered(Reply(text="601 servers", fields=fields))

    assert slack_problems(slack) == []
    assert discord_problems(discord) == []
    [embed] = discord["embeds"]
    assert [f["name"] for f in embed["fields"][-2:]] == ["23", "…"]
    assert embed["fields"][-1]["value"] == "and 577 more"
    assert "the rest does not fit in one Slack message" in json.dumps(slack["blocks"][-1])


def test_a_role_mention_leads_inside_the_content_limit() -> None:
    payload = discord_payload(Reply(text="y" * 2500), lead="<@&5555> ")

    assert str(payload["content"]).startswith("<@&5555> yyy")
    assert discord_problems(payload) == []


def test_the_checks_catch_what_the_issue_saw() -> None:
    """The failures of issue 13, as payloads: each is caught, so a pass means something."""
    cut_code = {"type": "section", "text": {"type": "mrkdwn", "text": "```" + "x" * 2996 + "…"}}
    slack = {
        "text": "t",
        "blocks": [
            *[{"type": "section", "text": {"type": "mrkdwn", "text": "a"}}] * 61,
            cut_code,
            {"type": "section", "text": {"type": "mrkdwn", "text": "a &am…"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "by <@UALI…"}},
        ],
    }
    discord = {
        "content": "y" * 2001,
        "embeds": [
            {
                "description": "```\n" + "z" * 10,
                "fields": [{"name": str(n), "value": "v"} for n in range(26)],
            }
        ],
        "components": [{"type": 1, "components": [{"custom_id": "c" * 101, "label": "L"}]}],
    }

    assert [p.split(":")[0] for p in slack_problems(slack)] == [
        "64 blocks (at most 50)",
        "block 61 (section)",
        "block 62 (section)",
        "block 63 (section)",
    ]
    assert [p.split(": ")[1] for p in slack_problems(slack)[1:]] == [
        "code fence cut",
        "an entity cut in half",
        "a mention or link cut in half",
    ]
    assert [p.split(" (")[0].split(":")[0] for p in discord_problems(discord)] == [
        "content of 2,001 characters",
        "code fence left open",
        "26 fields",
        "custom_id of 101 characters",
    ]
