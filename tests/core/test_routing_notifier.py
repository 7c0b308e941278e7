"""A worker serves every platform: each message goes back through its own platform."""

from __future__ import annotations

import pytest
import redis

from bot.notifiers import RoutingNotifier
from bot.ports.notify import ReplyTarget
from bot.ports.reply import Reply
from bot.run.worker import build_notifier
from bot.settings import ConfigError
from tests.support.chat import ChatRecorder


def target(platform: str) -> ReplyTarget:
    return ReplyTarget.model_validate(
        {"platform": platform, "workspace": "w", "channel": "c", "requester": "u"}
    )


def test_posts_edits_and_private_replies_follow_the_requests_platform() -> None:
    slack, discord, fallback = ChatRecorder(), ChatRecorder(), ChatRecorder()
    routing = RoutingNotifier({"slack": slack, "discord": discord}, fallback=fallback)

    ref = routing.post(target("discord"), Reply(text="UPID:…"))
    routing.update(ref, Reply(text="OK"))
    routing.notify_private(target("slack"), Reply(text="secret"))
    routing.post(target("console"), Reply(text="to the log"))

    assert ref.platform == "discord"
    assert [(s.how, s.reply.text) for s in discord.notified()] == [
        ("post", "UPID:…"),
        ("edit", "OK"),
    ]
    assert [(s.how, s.reply.text) for s in slack.notified()] == [("private", "secret")]
    assert fallback.notified_texts() == ["to the log"]


def test_unknown_platform_in_the_notifier_setting_is_a_config_error(
    redis_client: redis.Redis,
) -> None:
    with pytest.raises(ConfigError, match="JOTUNHEIM_WORKER_NOTIFIER"):
        build_notifier("slack,teams", redis_client, "jh")


def test_platform_notifiers_are_built_from_their_adapters_settings(
    redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "discord-test")
    monkeypatch.setenv("DISCORD_APPLICATION_ID", "42")
    notifier = build_notifier("slack,discord", redis_client, "jh")
    assert isinstance(notifier, RoutingNotifier)

    monkeypatch.delenv("DISCORD_APPLICATION_ID")
    with pytest.raises(ConfigError, match="DISCORD_APPLICATION_ID"):
        build_notifier("discord", redis_client, "jh")
