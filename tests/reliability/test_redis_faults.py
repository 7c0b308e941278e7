"""Redis stops in the middle of the ack path: the person is told that nothing was done,
nothing half-written is left, and the same handler works again once Redis is back."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from bot.compose import build_handler
from bot.dispatch import UNAVAILABLE, Dispatcher
from bot.notifiers import FakeNotifier
from jobs.api import JobRequest, Submitted
from jobs.config import JobSettings
from jobs.inventory import Inventory, InventoryEntry
from jobs.queue import RqJobQueue
from tests.reliability.conftest import ADMIN, policy

PREFIX = "reliability-redis"


@dataclass
class OwnRedis:
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed: the Redis fault tests need their own")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.exceptions.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis(_free_port())
    server.start()
    yield server
    server.stop()


class StopsRedisFirst:
    """The real queue, but Redis dies just before the enqueue: mid-ack, after the audit
    entry and the rate-limit count were written."""

    def __init__(self, inner: RqJobQueue, server: OwnRedis) -> None:
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
    from bot.invocation import Invocation  # noqa: PLC0415

    inv = Invocation(identity=ADMIN, channel="ops", scope="server", text="reboot 101",
                     inbound_id=f"redis-fault-{n}")  # fmt: skip
    return handler.handle(inv).text


def test_redis_dying_mid_ack_says_nothing_was_done_and_recovers(own_redis: OwnRedis) -> None:
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
    own_redis: OwnRedis,
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
