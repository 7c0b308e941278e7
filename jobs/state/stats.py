"""Queue depth, failed jobs with their error, retrying one, and the chains in flight — read
from Redis alone, for ``/admin queue`` (command layer) and ``jotunheim queue`` (CLI).

Registries are read with ``cleanup=False``: a cleanup may run a dead job's failure callback,
and only a worker (which has the context to tell the requester) should do that.
Everything is found through RQ's registries of this deployment's queues (their names carry
the key prefix), never by scanning keys, so another deployment on the same Redis is neither
shown nor touched.

``/admin queue`` answers on the chat ack path, so every listing reads a bounded number of
job ids per registry (a backlog of 100,000 failed or queued jobs must not be fetched).
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.queue import Queue
from rq.serializers import JSONSerializer

from jobs.config import PRIORITIES, JobSettings
from jobs.queue import rq_queue
from jobs.state.chains import ChainState, ChainStore, chain_progress

Counts = dict[str, int]
# Job ids read per queue or registry when looking for the chains in flight.
CHAIN_SCAN = 200


@dataclass(frozen=True)
class FailedJob:
    id: str
    description: str
    error: str
    ended: float
    ref: str = ""  # the request's short reference, when the job ran a request


def counts(client: redis.Redis, settings: JobSettings) -> list[tuple[str, Counts]]:
    """Per queue: queued / started / scheduled / deferred / failed."""
    rows: list[tuple[str, Counts]] = []
    for priority in PRIORITIES:
        queue = rq_queue(client, settings, priority)
        rows.append(
            (
                priority,  # the queue's name carries the deployment's key prefix
                {
                    "queued": queue.count,
                    "started": queue.started_job_registry.get_job_count(cleanup=False),
                    "scheduled": queue.scheduled_job_registry.get_job_count(cleanup=False),
                    "deferred": queue.deferred_job_registry.get_job_count(cleanup=False),
                    "failed": queue.failed_job_registry.get_job_count(cleanup=False),
                },
            )
        )
    return rows


def failed_jobs(client: redis.Redis, settings: JobSettings, limit: int = 20) -> list[Job]:
    """The ``limit`` newest failed jobs of every queue, newest first. The registry is ordered
    by failure time (plus one fixed TTL), so its ``limit`` highest entries per queue hold the
    newest ``limit`` overall; no more ids are fetched than that."""
    if limit <= 0:
        return []
    found: list[Job] = []
    for priority in PRIORITIES:
        registry = rq_queue(client, settings, priority).failed_job_registry
        ids = registry.get_job_ids(0, limit - 1, desc=True, cleanup=False)
        found += [j for j in Job.fetch_many(ids, connection=client, serializer=JSONSerializer) if j]
    found.sort(key=lambda j: j.ended_at.timestamp() if j.ended_at else 0.0, reverse=True)
    return found[:limit]


def failed(client: redis.Redis, settings: JobSettings, limit: int = 20) -> list[FailedJob]:
    return [
        FailedJob(
            id=job.id,
            description=job.description or job.func_name or "",
            error=last_error(job),
            ended=job.ended_at.timestamp() if job.ended_at else 0.0,
            ref=_ref_of(job),
        )
        for job in failed_jobs(client, settings, limit)
    ]


def last_error(job: Job) -> str:
    """The last line of the recorded exception: its message, without the exception's
    module path and class (``jobs.chain.outcome.ReportedFailure: …`` is for the log)."""
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or ""
    text = text.strip()
    if not text:
        return "(no error recorded)"
    last = text.splitlines()[-1]
    name, colon, message = last.partition(": ")
    return message if colon and name.replace(".", "").replace("_", "").isalnum() else last


def _ref_of(job: Job) -> str:
    first = job.args[0] if job.args else None
    return str(first.get("ref") or "") if isinstance(first, dict) else ""


def retry(client: redis.Redis, settings: JobSettings, job_id: str) -> str:
    """Put a failed job back on its queue; the answer says what happened."""
    try:
        job = Job.fetch(job_id, connection=client, serializer=JSONSerializer)
    except NoSuchJobError:
        return f"no job {job_id}"
    queue = Queue(job.origin, connection=client, serializer=JSONSerializer)
    if not queue.name.startswith(f"{settings.prefix}-"):
        return f"job {job_id} is not one of this deployment's jobs"
    if job_id not in queue.failed_job_registry:  # one ZSCORE, not every failed id
        return f"job {job_id} is not in the failed jobs"
    _reopen_chain(client, settings, job)
    try:
        queue.failed_job_registry.requeue(job)
    except InvalidJobOperation:
        return f"job {job_id} is not in the failed jobs"
    return f"job {job_id} is queued again on {queue.name}"


def _reopen_chain(client: redis.Redis, settings: JobSettings, job: Job) -> None:
    """A retried step of a failed chain must find the chain running again, or it would
    skip itself (a redelivered job of a finished chain does nothing, on purpose)."""
    meta = job.get_meta(refresh=False)
    store = ChainStore(client, prefix=settings.prefix)
    state = store.get(str(meta.get("root", job.id)))
    if state is not None and state.status == "failed":
        store.reopen(state, int(meta.get("index", 0)), tracking=meta.get("role") == "track")


def retried(message: str) -> bool:
    return "queued again" in message


def active_chains(
    client: redis.Redis, settings: JobSettings, limit: int = 10, *, scan: int = CHAIN_SCAN
) -> list[ChainState]:
    """Chains with a job queued, running, waiting on a timer or on another job, by start.
    Looks at the first ``scan`` jobs of each queue and registry only: with a deep backlog
    the list is the chains at the front, which are the ones about to move."""
    roots: set[str] = set()
    for priority in PRIORITIES:
        queue = rq_queue(client, settings, priority)
        ids = [
            *queue.get_job_ids(0, scan),
            *queue.started_job_registry.get_job_ids(0, scan - 1, cleanup=False),
            *queue.scheduled_job_registry.get_job_ids(0, scan - 1, cleanup=False),
            *queue.deferred_job_registry.get_job_ids(0, scan - 1, cleanup=False),
        ]
        for job in Job.fetch_many(ids, connection=client, serializer=JSONSerializer):
            root = job.meta.get("root") if job is not None else None
            if isinstance(root, str):
                roots.add(root)
    states = [chain_progress(client, root, prefix=settings.prefix) for root in roots]
    running = [s for s in states if s is not None and s.status == "running"]
    return sorted(running, key=lambda s: s.started)[:limit]
