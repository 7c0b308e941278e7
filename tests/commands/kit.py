"""What the command-layer tests add to the testbot (tests/support/testbot.py): a fresh key
prefix for a testbot of a test's own (other settings, another notifier), a job queue that
fails on demand, and a held busy lock — the faults a test needs, made of our own ports and
the real lock store rather than of mocks."""

from __future__ import annotations

import uuid

from jobs.queue import JobQueue, JobRequest, Submitted
from jobs.state.locks import BusyInfo, BusyLocks
from tests.support.testbot import TestBot


def new_prefix() -> str:
    """A key prefix of a test's own, like the ``testbot`` fixture's."""
    return f"tb-{uuid.uuid4().hex[:10]}"


class FailingQueue:
    """The bot's real job queue, except that while ``fail_with`` is set every submission
    raises it and reaches nothing (Redis down under the queue; a bug of ours)."""

    def __init__(self) -> None:
        self.fail_with: Exception | None = None
        self._inner: JobQueue | None = None

    def around(self, inner: JobQueue) -> JobQueue:
        """For ``running_testbot(queue=...)``: wrap the queue the composition built."""
        self._inner = inner
        return self

    def submit(self, request: JobRequest) -> Submitted:
        if self.fail_with is not None:
            raise self.fail_with
        assert self._inner is not None, "FailingQueue.around was not given to the testbot"
        return self._inner.submit(request)


def hold_busy_lock(
    bot: TestBot, vmid: int, *, kind: str, requester: str, job_id: str, age: float = 0.0
) -> BusyInfo:
    """Hold the server's busy lock the way a running job of the worker holds it, through the
    real lock store on the bot's Redis, prefix and cluster; taken ``age`` seconds ago on the
    testbot's clock (the one the bot reads the lock's age on)."""
    since = bot.clock.now() - age
    holder = BusyInfo(job_id=job_id, kind=kind, requester=requester, since=since)
    cluster = bot.handler.policy.settings.cluster_name
    locks = BusyLocks(bot.client, prefix=bot.prefix, cluster=cluster)
    assert locks.acquire(vmid, holder, ttl=600) is None, f"server {vmid} was busy already"
    return holder
