"""A worker killed mid-job (SIGKILL to a real worker process): the job is retried and the
request's card says so; with no retries left it is failed and reported, never silent.

Nothing helps the system recover: the dead worker's claim on its job (RQ's started-job
registry entry) runs out on Redis's own time, and the test's worker, like any worker that
starts, finds the abandoned job with RQ's own registry maintenance. The killed worker's
busy lock (``lock_ttl`` 900 s, the default in tests.jobs.slow_worker) outlasts that wait, so
a lock found free afterwards was released, not expired."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from jobs.config import JobSettings
from jobs.context import WorkerContext
from jobs.queue import RqJobQueue, rq_queue
from jobs.state.chains import chain_progress
from jobs.state.locks import BusyLocks
from tests.conftest import redis_url
from tests.jobs.cards import one_card
from tests.jobs.conftest import FAKE_KINDS, request, run_until
from tests.jobs.fakes import Recorder
from tests.support.chat import ChatRecorder

REPO = Path(__file__).resolve().parents[2]
# A dead worker's claim lasts RQ's heartbeat TTL, min(job timeout, 30 s) + 60 s: about 70 s
# with this job timeout (the killed attempt is killed within a second of starting).
JOB_TIMEOUT = 10
RECOVERY = 120.0  # seconds


def _kill_worker_mid_job(settings: JobSettings, recorder: Recorder) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.slow_worker", redis_url(), settings.prefix],
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 15
        while "attempt 1" not in recorder.all():
            assert proc.poll() is None, "the worker process ended early"
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)


def _ended(client: redis.Redis, settings: JobSettings, job_id: str) -> bool:
    state = chain_progress(client, job_id, prefix=settings.prefix)
    return state is not None and state.status != "running"


def test_killed_worker_job_is_retried_and_the_requester_told(
    ctx: WorkerContext,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    short = settings.model_copy(update={"job_timeout": JOB_TIMEOUT})
    queue = RqJobQueue(ctx.redis, settings=short, kinds=FAKE_KINDS)
    submitted = queue.submit(request("test.slow", "slow-1"))
    _kill_worker_mid_job(settings, recorder)
    assert BusyLocks(ctx.redis, prefix=settings.prefix).holder(101) is not None

    run_until(
        ctx.redis, settings, lambda: _ended(ctx.redis, settings, submitted.job_id), timeout=RECOVERY
    )

    # The card: the retry of the killed attempt, then the outcome; and the notice.
    card = one_card(notifier)
    assert card.title == "Slow change · server 101"
    assert card.texts == [
        "asked by you\n⏳ Changing the settings — the worker running it stopped unexpectedly; "
        "trying again shortly",
        "asked by you\n✓ Done in N s\n• done on attempt 2",
    ]
    assert card.notice.reply.text == "Slow change of server 101 is done."
    assert BusyLocks(ctx.redis, prefix=settings.prefix).holder(101) is None


def test_killed_worker_without_retries_left_is_reported_failed(
    ctx: WorkerContext,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    no_retry = settings.model_copy(update={"abandoned_retries": 0, "job_timeout": JOB_TIMEOUT})
    queue = RqJobQueue(ctx.redis, settings=no_retry, kinds=FAKE_KINDS)
    submitted = queue.submit(request("test.slow", "slow-2"))
    _kill_worker_mid_job(settings, recorder)

    run_until(
        ctx.redis, settings, lambda: _ended(ctx.redis, settings, submitted.job_id), timeout=RECOVERY
    )

    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    assert state.status == "failed"
    card = one_card(notifier)
    assert card.title == "Slow change · server 101"
    assert card.texts == [
        "asked by you\n✗ Failed while changing the settings: the worker running it stopped "
        "unexpectedly. The server is running."
    ]
    assert card.notice.reply.text == "Slow change of server 101 did not go through."
    failed = rq_queue(ctx.redis, settings, "default").failed_job_registry.get_job_ids()
    assert failed == [submitted.job_id]
    assert BusyLocks(ctx.redis, prefix=settings.prefix).holder(101) is None
    assert recorder.all() == ["attempt 1"]
