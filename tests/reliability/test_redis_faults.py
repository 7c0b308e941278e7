"""Redis stops in the middle of the ack path: the person is told that nothing was done,
nothing half-written is left, and the same handler works again once Redis is back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.dispatch import UNAVAILABLE
from jobs.queue import JobQueue, JobRequest, Submitted
from tests.support.redis_server import RedisServer
from tests.support.testbot import running_testbot

PREFIX = "reliability-redis"
REBOOT = "/server reboot 101"


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer(appendonly=False).start()  # "a fresh, empty server" after a restart
    yield server
    server.stop()


class StopsRedisFirst:
    """Around the bot's real queue: once armed, Redis dies just before the enqueue: mid-ack,
    after the audit entry and the rate-limit count were written."""

    def __init__(self, server: RedisServer) -> None:
        self.server, self.armed = server, False
        self.inner: JobQueue | None = None

    def around(self, inner: JobQueue) -> StopsRedisFirst:
        self.inner = inner
        return self

    def submit(self, request: JobRequest) -> Submitted:
        assert self.inner is not None, "not wrapped around the bot's queue"
        if self.armed:
            self.server.stop()
        return self.inner.submit(request)


def test_redis_dying_mid_ack_says_nothing_was_done_and_recovers(own_redis: RedisServer) -> None:
    client = own_redis.client(socket_timeout=1, socket_connect_timeout=1)
    queue = StopsRedisFirst(own_redis)
    with running_testbot(client, PREFIX, queue=queue.around) as bot:
        queue.armed = True

        assert bot.send("boss", REBOOT).text == UNAVAILABLE
        assert bot.send("boss", REBOOT).text == UNAVAILABLE  # still down: refused up front

        own_redis.start()  # a fresh, empty server on the same port (no persistence)
        queue.armed = False
        assert list(client.scan_iter(match="rq:job:*")) == []
        bot.sync()  # the inventory cache is refilled by the sync job in real life

        text = bot.send("boss", REBOOT).text
        assert "queued" in text
        assert len(list(client.scan_iter(match="rq:job:*"))) == 1


def test_a_stalled_redis_never_runs_what_the_reply_said_was_not_done(
    own_redis: RedisServer,
) -> None:
    """Redis stalls (writes paused) past the client's timeout during the enqueue: the reply
    says nothing was done, so when Redis resumes no job may appear."""
    client = own_redis.client(socket_timeout=0.5, socket_connect_timeout=0.5)
    with running_testbot(client, PREFIX) as bot, own_redis.client() as admin:
        admin.client_pause(1500, all=False)  # writes only

        text = bot.send("boss", REBOOT).text
        time.sleep(2.0)  # the pause is over; anything the server held back has run by now

        jobs = list(admin.scan_iter(match="rq:job:*"))
        assert (text, jobs) == (UNAVAILABLE, []) or "queued" in text
