"""The pytest fixtures of the kits: one redis-server with AOF for the session, and the
testbot on it under a key prefix of each test's own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from tests.support.chat import ChatRecorder
from tests.support.discord_api import MockDiscordApi
from tests.support.leaks import leaks_in, texts_of_payload
from tests.support.redis_server import RedisServer
from tests.support.slack_api import MockSlackApi
from tests.support.testbot import TestBot, running_testbot


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """The suite's own redis-server (``--appendonly yes``, as production runs it)."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def testbot_redis(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis_server.client()
    yield client
    client.close()


@pytest.fixture
def testbot(testbot_redis: redis.Redis) -> Iterator[TestBot]:
    with running_testbot(testbot_redis, f"tb-{uuid.uuid4().hex[:10]}") as bot:
        yield bot


@pytest.fixture(autouse=True)
def nothing_internal_reaches_chat(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Issue 13's check: every text a test showed anyone (the chat recorder, the mock Slack
    Web API, the mock Discord API) is free of internal names (``tests/support/leaks.py``)."""
    recorders: list[ChatRecorder] = []
    apis: list[MockSlackApi | MockDiscordApi] = []
    for cls, into in ((ChatRecorder, recorders), (MockSlackApi, apis), (MockDiscordApi, apis)):
        monkeypatch.setattr(cls, "__init__", _registering(cls.__init__, into))
    yield
    texts = [t for r in recorders for t in r.texts()]
    texts += [t for api in apis for call in api.calls for t in texts_of_payload(call.body)]
    found = leaks_in(texts)
    assert found == [], "internal names reached chat:\n" + "\n".join(found[:10])


def _registering(init: Callable[..., None], into: list[Any]) -> Callable[..., None]:
    def registering_init(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        into.append(self)

    return registering_init
