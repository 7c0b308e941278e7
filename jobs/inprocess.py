"""An RQ worker in a background thread of the current process (the demo, local trials).

It is the real thing — ``SimpleWorker`` passes in burst mode with RQ's scheduler (which moves
due tracking re-checks and retries back onto their queues), the JSON serializer and a worker
context — only without signals (those belong to the main thread, which runs the console) and
with a timer instead of ``SIGALRM`` for job timeouts. ``wait_done`` lets a script wait for a
job by polling Redis with a bounded timeout instead of sleeping a fixed time.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time

from rq import SimpleWorker
from rq.job import JobStatus
from rq.serializers import JSONSerializer
from rq.timeouts import TimerDeathPenalty

from jobs.config import PRIORITIES
from jobs.context import WorkerContext, installed_context
from jobs.queue import fetch_job, rq_queue
from jobs.state.chains import chain_progress

log = logging.getLogger(__name__)
_ENDED = {JobStatus.FINISHED, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED}
_PASS_PAUSE = 0.05


class JobWaitTimeout(TimeoutError):
    """A job did not end within the time a script allowed it."""


class _ThreadWorker(SimpleWorker):
    death_penalty_class = TimerDeathPenalty  # SIGALRM works only in the main thread

    def _install_signal_handlers(self) -> None:
        """Signals belong to the main thread (Ctrl-C ends the console, which stops us)."""


class InProcessWorker:
    def __init__(self, context: WorkerContext, *, logging_level: str = "WARNING") -> None:
        self.context = context
        self._logging_level = logging_level
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._idle_passes = 0
        self._names = itertools.count(1)
        self._thread = threading.Thread(target=self._run, name="jotunheim-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        ctx = self.context
        queues = [rq_queue(ctx.redis, ctx.settings, p) for p in PRIORITIES]
        with installed_context(ctx):  # a context variable: it must be set in this thread
            while not self._stop.is_set():
                worker = _ThreadWorker(
                    queues,
                    connection=ctx.redis,
                    serializer=JSONSerializer,
                    name=f"{ctx.prefix}-inprocess-{next(self._names)}",
                )
                try:
                    worked = worker.work(
                        burst=True, with_scheduler=True, logging_level=self._logging_level
                    )
                except Exception:
                    log.exception("in-process worker pass failed")
                    worked = True
                if not worked:
                    with self._idle:
                        self._idle_passes += 1
                        self._idle.notify_all()
                self._stop.wait(_PASS_PAUSE)

    def wait_idle(self, timeout: float) -> None:
        """Until a whole pass found nothing to do, starting after this call: whatever job was
        running when we were called has finished, messages included."""
        with self._idle:
            seen = self._idle_passes
            if not self._idle.wait_for(lambda: self._idle_passes > seen, timeout):
                raise JobWaitTimeout(f"the worker was still busy after {timeout:g} s")

    def wait_done(self, job_id: str, timeout: float) -> str:
        """Wait for a submitted job — its whole chain when it has one — to end; its status."""
        deadline = time.monotonic() + timeout
        while (status := self.status(job_id)) is None:
            if time.monotonic() > deadline:
                raise JobWaitTimeout(f"job {job_id} did not finish within {timeout:g} s")
            time.sleep(0.05)
        self.wait_idle(max(0.1, deadline - time.monotonic()))
        return status

    def status(self, job_id: str) -> str | None:
        """The final status of a job or its chain, None while it is not over."""
        ctx = self.context
        chain = chain_progress(ctx.redis, job_id, prefix=ctx.prefix)
        if chain is not None:
            return None if chain.status == "running" else chain.status
        job = fetch_job(ctx.redis, job_id)
        state = job.get_status(refresh=True) if job is not None else None
        # A chain's record is written by its root job before anything else, so an ended job
        # without one is a job that has no chain (a query) or failed before it began.
        if job is None or state not in _ENDED:
            return None
        return str(state.value if isinstance(state, JobStatus) else state)
