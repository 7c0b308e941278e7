"""Redis stops in the middle of the ack path: the person is told that nothing was done,
nothing half-written is left, and the same handler works again once Redis is back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from bot.compose import build_handler
from bot.dispatch import UNAVAILABLE, Dispatcher
from bot.notifiers import FakeNotifier
from jobs.config import JobSettings
from jobs.queue import JobRequest, RqJobQueue, Submitted
from jobs.state.inventory import Inventory, InventoryEntry
from tests.reliability.conftest import ADMIN, policy
from tests.support.redis_server import RedisServer

PREFIX = "reliability-redis"


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer(appendonly=False).start()  # "a fresh, empty server" after a restart
    yield server
    server.stop()


class StopsRedisFirst:
    """The real queue, but Redis dies just before the enqueue: mid-ack, after the audit
    entry and the rate-limit count were written."""

    def __init__(self, inner: RqJobQueue, server: RedisServer) -> None:
        self.inner, self.server, self.armed = inner, server, False

    def submit(self, request: JobRequest) -> Submitted:
        if self.armed:
            self.server.stop()
        return self.inner.submit(request)


def _handler(client: redis.Redis, queue: StopsRedisFirst) -> Dispatcher:
    handler = build_handler(client, FakeNotifier(), queue, settings=policy(PREFIX))
    entry = InventoryEntry(vmid=101, node="pve1", name="web", status="running", owner="acme")
    Inventory(client, prefix=PREFIX).replace_all([entry], now=time.time())
    return handler


def _command(handler: Dispatcher, n: int) -> str:
    from bot.ports.invocation import Invocation  # noqa: PLC0415

    inv = Invocation(identity=ADMIN, channel="ops", scope="server", text="reboot 101",
                     inbound_id=f"redis-fault-{n}")  # fmt: skip
    return handler.handle(inv).text


def test_redis_dying_mid_ack_says_nothing_was_done_and_recovers(own_redis: RedisServer) -> None:
    client = redis.Redis(port=own_redis.port, socket_timeout=1, socket_connect_timeout=1)
    queue = StopsRedisFirst(RqJobQueue(client, settings=JobSettings(prefix=PREFIX)), own_redis)
    handler = _handler(client, queue)
    queue.armed = True

    assert _command(handler, 1) == UNAVAILABLE
    assert _command(handler, 2) == UNAVAILABLE  # still down: refused up front, same words

    own_redis.start()  # a fresh, empty server on the same port (no persistence)
    queue.armed = False
    assert list(client.scan_iter(match="rq:job:*")) == []
    _handler(client, queue)  # the inventory cache is refilled by the sync job in real life

    text = _command(handler, 3)
    assert "queued" in text
    assert len(list(client.scan_iter(match="rq:job:*"))) == 1


def test_a_stalled_redis_never_runs_what_the_reply_said_was_not_done(
    own_redis: RedisServer,
) -> None:
    """Redis stalls (writes paused) past the client's timeout during the enqueue: the reply
    says nothing was done, so when Redis resumes no job may appear."""
    client = redis.Redis(port=own_redis.port, socket_timeout=0.5, socket_connect_timeout=0.5)
    queue = StopsRedisFirst(RqJobQueue(client, settings=JobSettings(prefix=PREFIX)), own_redis)
    handler = _handler(client, queue)
    redis.Redis(port=own_redis.port).client_pause(1500, all=False)  # writes only

    text = _command(handler, 1)
    time.sleep(2.0)  # the pause is over; anything the server held back has run by now

    jobs = list(redis.Redis(port=own_redis.port).scan_iter(match="rq:job:*"))
    assert (text, jobs) == (UNAVAILABLE, []) or "queued" in text
