"""The console adapter: slash commands as an identity, clicks as words, posts printed."""

from __future__ import annotations

import pytest
import redis

from bot.adapters.console import ConsoleNotifier, ConsoleSession, parse_identity
from bot.compose import build_handler
from bot.ports.invocation import Identity
from tests.commands.conftest import RecordingQueue, make_world, settings


def test_parse_identity_forms() -> None:
    assert parse_identity("console:alice") == Identity(
        platform="console", workspace="console", user="alice"
    )
    assert parse_identity("slack:T1:U2").key == "slack:T1:U2"
    with pytest.raises(ValueError, match="expected <platform>:<user>"):
        parse_identity("irc:bob")


def test_a_resize_approved_in_the_console(redis_client: redis.Redis, key_prefix: str) -> None:
    lines: list[str] = []
    world = make_world(redis_client, key_prefix)  # seeds inventory and links console:ws:alice
    queue = RecordingQueue()
    chosen = settings(redis_prefix=key_prefix)
    handler = build_handler(redis_client, ConsoleNotifier(lines.append), queue, settings=chosen)
    session = ConsoleSession(handler, parse_identity("console:ws:alice"), lines.append)
    session.feed("/server resize 101 cpu=4")
    approval_id = world.handler.stores.approvals.pending()[0].request.id
    session.feed("as console:ws:boss")
    session.feed(f"approve {approval_id}")
    session.feed("/server bogus")
    assert session.feed("quit") is False
    text = "\n".join(lines)
    assert f"request {approval_id} sent" in text
    assert f"[#admins → @alice] Approval request {approval_id}" in text
    assert "you are now console:ws:boss" in text
    assert "[#console → @alice] @alice: your request" in text
    assert "command: expected one of" in text
    assert len(queue.submitted) == 1
