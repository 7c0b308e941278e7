"""The pytest fixtures of the kits: one redis-server with AOF for the session, and the
testbot on it under a key prefix of each test's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.support.redis_server import RedisServer
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
