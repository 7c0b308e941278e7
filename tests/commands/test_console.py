"""The console adapter: slash commands as an identity, clicks as words, posts printed."""

from __future__ import annotations

import pytest
import redis

from bot.adapters.console import ConsoleNotifier, ConsoleSession, parse_identity
from bot.ports.invocation import Identity
from tests.commands.kit import new_prefix
from tests.support.testbot import running_testbot


def test_parse_identity_forms() -> None:
    assert parse_identity("console:alice") == Identity(
        platform="console", workspace="console", user="alice"
    )
    assert parse_identity("slack:T1:U2").key == "slack:T1:U2"
    with pytest.raises(ValueError, match="expected <platform>:<user>"):
        parse_identity("irc:bob")


def test_a_resize_approved_in_the_console(testbot_redis: redis.Redis) -> None:
    """The console's notifier is the bot's (and the worker's): posts are printed."""
    lines: list[str] = []
    notifier = ConsoleNotifier(lines.append)
    with running_testbot(testbot_redis, new_prefix(), notifier=notifier) as bot:
        # console:alice is the testbot's alice, acme's customer
        session = ConsoleSession(bot.handler, parse_identity("console:alice"), lines.append)
        session.feed("/server resize 101 cpu=4")
        approval_id = bot.handler.stores.approvals.pending()[0].request.id
        session.feed("as console:boss")
        session.feed(f"approve {approval_id}")
        session.feed("/server bogus")
        assert session.feed("quit") is False
        assert bot.jobs_created() == 1
        bot.settle()
        text = "\n".join(lines)
        assert "needs an admin's approval (#" in text
        assert f"[#admins] Approval request {approval_id}" in text
        assert "[#console] Resize · acme-web (101)" in text
        assert "⏳ Waiting for an admin's approval" in text
        assert "you are now @boss (console)" in text
        assert "approved by @boss" in text  # the worker's first edit of alice's card
        assert "command: expected one of" in text
        (request,) = bot.requests().values()
        assert (request.kind, request.args) == ("server.resize", {"vmid": 101, "cores": 4})
