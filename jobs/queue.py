"""How the command layer hands work to the workers, and RQ behind it.

The command layer (bot/commands, bot/dispatch) depends only on the ``JobQueue`` protocol: a
``JobRequest`` in, ``Submitted`` out. A request carries the validated arguments as JSON and the
``ReplyTarget`` — ids only, never a secret. ``RqJobQueue`` implements it on RQ; ``Enqueuer``
holds the enqueue calls jobs make for each other.

Everything goes through RQ's ``JSONSerializer`` (pickle from Redis would let anyone who can
write to Redis run code on workers). The root job id derives from the inbound interaction
id; RQ's ``unique=True`` enqueue checks, saves and pushes in one Lua script, so a redelivered
request or a double click enqueues exactly once and a Redis failure leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

import redis
from pydantic import BaseModel, ConfigDict, Field
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from bot.ports.notify import ReplyTarget
from jobs.config import JobSettings, Priority
from jobs.kinds import KINDS, JobKind

ON_FAILURE = "jobs.chain.run.on_failure"


class JobRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="a kind's name in jobs.kinds")
    vmid: int | None = Field(default=None, description="the server it mutates (busy lock)")
    args: dict[str, Any] = Field(default_factory=dict, description="validated, JSON-only")
    target: ReplyTarget
    requested_by: str = Field(description="Identity.key of the requester")
    inbound_id: str = Field(description="platform delivery id; the job id derives from it")
    approved_by: str | None = None
    account: str | None = Field(default=None, description="customer account (ownership)")
    ref: str = Field(default="", description="the short reference people use (#k3f9)")


class Submitted(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: str
    duplicate: bool = Field(description="True when this inbound id was already enqueued")


class JobQueue(Protocol):
    def submit(self, request: JobRequest) -> Submitted:
        """Enqueue once per inbound id; raises ``QueueUnavailable`` when Redis is down."""
        ...


class QueueUnavailable(RuntimeError):
    """Redis could not be reached: nothing was enqueued."""


def job_id_for(prefix: str, inbound_id: str) -> str:
    """Deterministic and RQ-safe (letters, digits, - and _) whatever the platform's id is."""
    digest = hashlib.sha256(inbound_id.encode()).hexdigest()[:32]
    return f"{prefix}-{digest}"


def rq_queue(client: redis.Redis, settings: JobSettings, priority: Priority) -> Queue:
    return Queue(
        settings.queue_name(priority),
        connection=client,
        serializer=JSONSerializer,
        default_timeout=settings.job_timeout,
    )


def fetch_job(client: redis.Redis, job_id: str) -> Job | None:
    return (
        Job.fetch(job_id, connection=client, serializer=JSONSerializer)
        if Job.exists(job_id, connection=client)
        else None
    )


def _abandon_retry(settings: JobSettings) -> Retry | None:
    return Retry(max=settings.abandoned_retries) if settings.abandoned_retries else None


class RqJobQueue:
    """``JobQueue`` on RQ. ``kinds`` maps a request kind to its job function and queue."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "jh",
        settings: JobSettings | None = None,
        kinds: Mapping[str, JobKind] = KINDS,
    ) -> None:
        self._r = client
        self._settings = settings or JobSettings(prefix=prefix)
        self._kinds = kinds

    def submit(self, request: JobRequest) -> Submitted:
        kind = self._kinds.get(request.kind)
        if kind is None:
            raise ValueError(f"unknown job kind {request.kind!r}")
        job_id = job_id_for(self._settings.prefix, request.inbound_id)
        queue = rq_queue(self._r, self._settings, kind.priority)
        try:
            queue.enqueue_call(
                kind.function,
                args=(request.model_dump(mode="json"),),
                job_id=job_id,
                unique=True,
                result_ttl=self._settings.dedup_ttl,
                retry=_abandon_retry(self._settings),
                on_failure=Callback(ON_FAILURE),
                meta=step_meta(job_id, 0, request.kind),
                description=f"{request.kind} {request.vmid or ''}".strip(),
            )
        except DuplicateJobError:
            return Submitted(job_id=job_id, duplicate=True)
        except redis.RedisError as exc:
            raise QueueUnavailable(
                f"the job queue (Redis) is unavailable, nothing was queued: {type(exc).__name__}"
            ) from None
        return Submitted(job_id=job_id, duplicate=False)


def step_meta(root: str, index: int, kind: str, role: str = "step") -> dict[str, Any]:
    return {"role": role, "root": root, "index": index, "kind": kind}


class Enqueuer:
    """The follow-up jobs a running job creates: next steps, tracking, message delivery."""

    def __init__(self, client: redis.Redis, settings: JobSettings) -> None:
        self._r = client
        self._s = settings

    def step(self, root: str, index: int, kind: str, *, after: str | None = None) -> str:
        """Step ``index`` of chain ``root``; with ``after`` it waits for that job to finish."""
        job_id = f"{root}-s{index}"
        if Job.exists(job_id, connection=self._r):
            return job_id  # a re-run of the previous job already queued it
        rq_queue(self._r, self._s, "default").enqueue_call(
            "jobs.chain.run.run_step",
            args=(root, index),
            job_id=job_id,
            depends_on=after,
            retry=_abandon_retry(self._s),
            on_failure=Callback(ON_FAILURE),
            meta=step_meta(root, index, kind),
            description=f"{kind} step {index + 1}",
        )
        return job_id

    def tracking(self, root: str, index: int, kind: str, args: dict[str, Any]) -> str:
        job_id = f"{root}-t{index}"
        # A re-run step job finds its tracking job already there: nothing to do.
        with contextlib.suppress(DuplicateJobError):
            rq_queue(self._r, self._s, "high").enqueue_call(
                "jobs.chain.tracking.track_task",
                args=(args,),
                job_id=job_id,
                unique=True,
                retry=_abandon_retry(self._s),
                on_failure=Callback(ON_FAILURE),
                meta=step_meta(root, index, kind, role="track"),
                description=f"{kind} track step {index + 1}",
            )
        return job_id

    def delivery(self, payload: dict[str, Any], delay: int) -> str:
        job = rq_queue(self._r, self._s, "high").enqueue_in(
            timedelta(seconds=delay),
            "jobs.chain.report.deliver",
            payload,
            meta={"role": "deliver"},
            description="deliver a chat message",
        )
        return str(job.id)

    def cancel(self, job_id: str) -> None:
        job = fetch_job(self._r, job_id)
        if job is not None and not job.is_finished:
            job.cancel()
