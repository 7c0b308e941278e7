"""Where a request's card lives, as each platform's setting says, through the real Slack and
Discord paths: on Discord by default the interaction's ephemeral follow-up (customers share
guilds), moved to the requester's DM before its token expires; ``dm`` on either platform;
the channel where it was asked otherwise. Whatever the place, one card and one notice."""

from __future__ import annotations

import uuid
from typing import Any

import redis

from bot.adapters.discord.render import EPHEMERAL_FLAG
from tests.support.chat import Shown
from tests.support.discordbot import USER_IDS as DISCORD_IDS
from tests.support.discordbot import running_discordbot
from tests.support.platforms import ChatKit, perform
from tests.support.slackbot import USER_IDS, running_slackbot

REBOOT = "/server reboot 101"


def _prefix() -> str:
    return f"cards-{uuid.uuid4().hex[:10]}"


def _private_posts(kit: ChatKit[Any], user: str, since: int = 0) -> list[Shown]:
    return [s for s in kit.seen(user, since=since) if s.how == "private" and s.message]


def _reads_now(kit: ChatKit[Any], user: str, card: Shown) -> str:
    return [s for s in kit.seen(user) if s.message == card.message][-1].text


def _nothing_public(kit: ChatKit[Any], title: str) -> None:
    assert not [p for p in kit.public_payloads() if title in p], "the card reached a channel"


def test_discord_cards_are_ephemeral_follow_ups_by_default(testbot_redis: redis.Redis) -> None:
    with running_discordbot(testbot_redis, _prefix()) as kit:
        perform(kit, "alice", REBOOT)

        card, notice = _private_posts(kit, "alice")
        assert card.reply.title == "Reboot · acme-web (101)"
        assert "✓ Done in" in _reads_now(kit, "alice", card)
        assert notice.text.startswith(f"<@{DISCORD_IDS['alice']}>")
        assert notice.text.endswith("is done.")
        # Both through the command's interaction token, flagged ephemeral; edits the same way.
        webhooks = [c for c in kit.api.calls if "/webhooks/" in c.path]
        posted = [c for c in webhooks if c.method == "POST"]
        assert len(posted) == 2
        assert all(c.body["flags"] & EPHEMERAL_FLAG for c in posted)
        assert any(
            c.method == "PATCH" and c.path.endswith(f"/messages/{card.message}") for c in webhooks
        )
        _nothing_public(kit, "Reboot ·")


def test_an_ephemeral_card_moves_to_the_dm_before_its_token_expires(
    testbot_redis: redis.Redis,
) -> None:
    prefix = _prefix()
    with running_discordbot(testbot_redis, prefix) as kit:
        kit.send("alice", "/server resize 101 memory=8G")
        (waiting,) = _private_posts(kit, "alice")
        assert "Waiting for an admin's approval" in waiting.text
        # The admin takes 13 minutes: the command's token has less than two minutes left.
        inbound = f"discord:{kit.interactions[0].id}"
        assert testbot_redis.expire(f"{prefix}:dc:itok:req:{inbound}", 90)
        mark = kit.mark()
        kit.press("boss", "approve")
        kit.settle()

        seen = kit.seen("alice", since=mark)
        pointer = [s for s in seen if s.how == "edit" and s.message == waiting.message][-1]
        assert "This card continues in your direct messages with me" in pointer.text
        moved, notice = _private_posts(kit, "alice", since=mark)
        assert moved.reply.title == "Resize · acme-web (101)"
        assert "✓ Done in" in _reads_now(kit, "alice", moved)
        assert notice.text.endswith("is done.")
        dm_calls = [c for c in kit.api.calls if c.path.startswith("/api/v10/channels/dm")]
        assert any(
            c.body.get("message_reference", {}).get("message_id") == moved.message for c in dm_calls
        )


def test_discord_dm_cards(testbot_redis: redis.Redis) -> None:
    with running_discordbot(testbot_redis, _prefix(), cards="dm") as kit:
        perform(kit, "alice", REBOOT)

        card, notice = _private_posts(kit, "alice")
        assert "✓ Done in" in _reads_now(kit, "alice", card)
        assert notice.text.endswith("is done.")
        assert not [c for c in kit.api.calls if "/webhooks/" in c.path and c.method == "POST"]
        _nothing_public(kit, "Reboot ·")


def test_discord_channel_cards(testbot_redis: redis.Redis) -> None:
    with running_discordbot(testbot_redis, _prefix(), cards="channel") as kit:
        perform(kit, "alice", REBOOT)

        posts = [s for s in kit.seen("alice") if s.how == "post" and s.channel == kit.room("alice")]
        assert posts[0].reply.title == "Reboot · acme-web (101)"
        assert len(posts) == 2
        assert not _private_posts(kit, "alice")


def test_slack_dm_cards(testbot_redis: redis.Redis) -> None:
    with running_slackbot(testbot_redis, _prefix(), cards="dm") as kit:
        perform(kit, "alice", REBOOT)

        card, notice = _private_posts(kit, "alice")
        assert card.reply.title == "Reboot · acme-web (101)"
        assert "✓ Done in" in _reads_now(kit, "alice", card)
        assert notice.text.endswith("is done.")
        posted = kit.api.calls_to("chat.postMessage")
        assert {c.body["channel"] for c in posted} == {USER_IDS["alice"]}
        assert posted[-1].body["thread_ts"] == card.message  # the notice, in the card's thread
        assert not [
            s for s in kit.seen("alice") if s.channel == kit.room("alice") and s.how == "post"
        ]


def test_reboot_now_on_an_ephemeral_card_gets_an_ephemeral_card(
    testbot_redis: redis.Redis,
) -> None:
    with running_discordbot(testbot_redis, _prefix()) as kit:
        perform(kit, "alice", "/server resize 101 cpu=4 memory=8G")
        mark = kit.mark()
        kit.press("alice", "reboot")
        kit.settle()

        card, notice = _private_posts(kit, "alice", since=mark)
        assert card.reply.title == "Reboot · acme-web (101)"
        assert "✓ Done in" in _reads_now(kit, "alice", card)
        assert notice.text.endswith("is done.")
        clicked = kit.interactions[-1].token  # the Reboot click's own interaction
        assert any(c.path.split("?")[0].endswith(clicked) for c in kit.api.calls)
        _nothing_public(kit, "Reboot ·")
