"""A read answers on its own first message: the ephemeral "Looking up…" is replaced in place
with the data (Slack: the command's response_url; Discord: the interaction's @original), so a
customer never gets a second message for a status. When the platform no longer takes the
handle (used up, expired), the data still arrives privately, as a message of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import redis

from tests.support.discordbot import running_discordbot
from tests.support.platforms import ChatKit
from tests.support.slack_api import Scripted
from tests.support.slackbot import SlackKit, running_slackbot

Kit = ChatKit[Any]
KITS: dict[str, Callable[[redis.Redis, str], AbstractContextManager[Kit]]] = {
    "slack": running_slackbot,
    "discord": running_discordbot,
}


@pytest.fixture(params=sorted(KITS))
def kit(request: pytest.FixtureRequest, testbot_redis: redis.Redis) -> Iterator[Kit]:
    with KITS[request.param](testbot_redis, f"inplace-{uuid.uuid4().hex[:10]}") as found:
        yield found


@pytest.mark.parametrize("line", ["/server status 101", "/server backup list 101"])
def test_a_read_replaces_its_looking_up_answer(kit: Kit, line: str) -> None:
    mark = kit.mark()
    kit.send("alice", line)
    kit.settle()

    seen = kit.seen("alice", since=mark)
    (answer,) = [s for s in seen if s.how == "reply"]
    assert answer.text.startswith("Looking up ")
    # Exactly one more thing: the same message, now with the data, for alice only.
    (found,) = [s for s in seen if s is not answer]
    assert (found.how, found.only, found.message) == ("edit", "alice", answer.message)
    assert "acme-web" in found.text or "vzdump-qemu-101" in found.text
    assert not [s for s in kit.shown(since=mark) if s.only is None]  # nothing in the channel


def test_a_used_up_response_url_still_answers_privately(testbot_redis: redis.Redis) -> None:
    with running_slackbot(testbot_redis, f"inplace-{uuid.uuid4().hex[:10]}") as slack:
        slack.api.script("/response/cmd-1", Scripted(404, {"ok": False, "error": "used_up"}))
        _answered_apart(slack)
        assert len(slack.api.calls_to("chat.postEphemeral")) == 1


def test_an_expired_interaction_token_still_answers_privately(testbot_redis: redis.Redis) -> None:
    with running_discordbot(testbot_redis, f"inplace-{uuid.uuid4().hex[:10]}") as discord:
        discord.send("alice", "/server status 101")  # its token lives…
        discord.api.expired_tokens.add(discord.interactions[-1].token)  # …until Discord drops it
        discord.settle()
        seen = discord.seen("alice")
        (answer,) = [s for s in seen if s.how == "reply"]
        (found,) = [s for s in seen if s is not answer]
        assert found.how == "private"  # a DM: no token left to answer ephemerally
        assert "acme-web" in found.text


def _answered_apart(slack: SlackKit) -> None:
    slack.send("alice", "/server status 101")
    slack.settle()
    seen = slack.seen("alice")
    (answer,) = [s for s in seen if s.how == "reply"]
    (found,) = [s for s in seen if s is not answer]
    assert (found.how, found.only) == ("private", "alice")
    assert "acme-web" in found.text
