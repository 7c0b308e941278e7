"""Running an Action's steps as RQ jobs: preflight, one step per job, then what follows.

``start`` is the root job of every Action-backed kind (the domain modules call it);
``run_step`` runs step N of a chain. After a step that started a Proxmox task, the UPID is
posted at once and a tracking job follows; the next step waits on that tracking job through
RQ ``depends_on``. Retryable Proxmox errors come back as ``Retry`` with backoff and a cap;
everything else fails at once and is reported. ``on_failure`` is the RQ failure callback that
covers what a job cannot report itself: a worker that died mid-job (``AbandonedJobError``).
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any

from redis import Redis
from rq import Retry, get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job

from actions.base import ActionError, StepResult
from bot.ports.notify import MessageRef
from bot.ports.reply import Reply
from jobs.chain.adopt import attempt
from jobs.chain.outcome import (
    ReportedFailure,
    complete_chain,
    fail_and_raise,
    fail_chain,
    raise_reported,
)
from jobs.chain.preflight import NotOwned, check_owner, typed_request
from jobs.chain.report import Reporter, public
from jobs.chain.wording import label
from jobs.context import WorkerContext, current, installed
from jobs.kinds import KINDS
from jobs.queue import Enqueuer, JobRequest, job_id_for
from jobs.state.chains import ChainState
from jobs.state.locks import BusyInfo, BusyLocks
from proxmox.errors import ProxmoxApiException

log = logging.getLogger(__name__)
Outcome = dict[str, Any] | Retry


def start(request_data: dict[str, Any]) -> Outcome:
    """Root job: set up the chain for this request and run its first step."""
    ctx = current()
    request = JobRequest.model_validate(request_data)
    if request.args.get("dry_run"):
        return _dry_run(ctx, request)
    job = get_current_job()
    root = job.id if job else job_id_for(ctx.prefix, request.inbound_id)
    action = ctx.action_for(request.kind)
    state = ctx.chains().ensure(root, request, tuple(action.steps))
    if state.status != "running":
        # A redelivered root job of a finished chain: running it again would repeat the
        # operation (a second reboot) and take the busy lock with nobody to release it.
        return {"skipped": f"chain {root} already {state.status}"}
    return _execute(ctx, state, 0)


def run_step(root: str, index: int) -> Outcome:
    ctx = current()
    state = ctx.chains().get(root)
    if state is None or state.status != "running":
        return {"skipped": f"chain {root} is not running"}
    return _execute(ctx, state, index)


def _execute(ctx: WorkerContext, state: ChainState, index: int) -> Outcome:
    try:
        if index == 0:
            _preflight(ctx, state)
        return _run_step(ctx, state, index)
    except ProxmoxApiException as exc:
        if exc.retryable:
            return _retry_or_fail(ctx, state, index, exc.message)
        fail_and_raise(ctx, state, index, exc.message)
    except NotOwned as exc:
        fail_and_raise(ctx, state, index, str(exc), show_state=False)
    except ActionError as exc:
        fail_and_raise(ctx, state, index, str(exc))
    except Exception as exc:
        log.exception("step %d of %s (%s) crashed", index + 1, state.kind, state.root)
        fail_and_raise(
            ctx, state, index, f"internal error ({type(exc).__name__}); operators can see it"
        )


def _dry_run(ctx: WorkerContext, request: JobRequest) -> Outcome:
    """``dry-run=yes``: read live state, post the Action's plan, change nothing (no lock)."""
    what = f"dry run of {label(request)}"
    try:
        check_owner(ctx, request)
        action = ctx.action_for(request.kind)
        plan = action.plan(typed_request(action, request))
    except (ProxmoxApiException, ActionError) as exc:
        message = exc.message if isinstance(exc, ProxmoxApiException) else str(exc)
        Reporter(ctx).post(request.target, public(f"✗ {what}: {message}", tone="error"))
        _audit_outcome(ctx, request, "job.failed", message)
        raise_reported(message)
    reply = Reply(text=f"{what}: nothing was changed", code=plan.render(), ephemeral=False)
    Reporter(ctx).post(request.target, reply)
    _audit_outcome(ctx, request, "job.succeeded", "dry run")
    return {"dry_run": True, "plan": plan.render()}


def _audit_outcome(ctx: WorkerContext, request: JobRequest, event: str, result: str) -> None:
    ctx.audit.record(
        event, actor=request.requested_by, vmid=request.vmid, command=request.kind, result=result
    )


def _preflight(ctx: WorkerContext, state: ChainState) -> None:
    """Ownership against live Proxmox (the cache may be stale), then the busy lock."""
    request = state.request
    if request.vmid is None:
        return
    check_owner(ctx, request)
    kind = KINDS.get(request.kind)
    if kind is not None and not kind.mutating:
        return
    holder = BusyInfo(
        job_id=state.root, kind=request.kind, requester=request.requested_by, since=ctx.clock.now()
    )
    locks = BusyLocks(ctx.redis, prefix=ctx.prefix, cluster=ctx.cluster)
    busy = locks.acquire(request.vmid, holder, ctx.settings.lock_ttl)
    if busy is not None:
        raise ActionError(busy.describe(request.vmid, now=ctx.clock.now()))


def _run_step(ctx: WorkerContext, state: ChainState, index: int) -> Outcome:
    request = state.request
    if request.vmid is not None:
        BusyLocks(ctx.redis, prefix=ctx.prefix, cluster=ctx.cluster).refresh(
            request.vmid, state.root, ctx.settings.lock_ttl
        )
    if index == 0 and state.steps[0].started is None:
        ctx.audit.record(
            "job.started",
            actor=request.requested_by,
            vmid=request.vmid,
            command=request.kind,
            args=request.args,
            approver=request.approved_by,
            job_id=state.root,
        )
    step = state.steps[index].name
    if state.steps[index].state in {"task", "done"}:
        # Redelivered after the step recorded its result: its task and the next step are
        # already queued, and re-running it could undo later steps (a rebuild's destroy
        # after the clone).
        log.warning("step %s of %s already ran; not running it again", step, state.root)
        return {"step": step, "skipped": "already ran"}
    result = attempt(ctx, state, index)
    return _after_step(ctx, state, index, result)


def record_result(
    ctx: WorkerContext, state: ChainState, index: int, result: StepResult
) -> ChainState:
    """Keep what the step returned: context, notes, its task (or that it is done), and
    hand a secret to the requester privately."""
    store = ctx.chains()
    request = state.request
    notes = result.pending + (("takes effect after a reboot",) if result.needs_reboot else ())
    state = store.merge_context(state, dict(result.context), notes)
    step_state = "task" if result.upid else "done"
    ended = None if result.upid else ctx.clock.now()
    state = store.update_step(
        state, index, state=step_state, summary=result.summary, upid=result.upid, ended=ended
    )
    if result.private is not None:
        secret = result.private.get_secret_value()
        reply = Reply(text=f"{label(request)}: {result.summary}", code=secret)
        Reporter(ctx).private(request.target, reply)
    return state


def _after_step(ctx: WorkerContext, state: ChainState, index: int, result: StepResult) -> Outcome:
    enqueue = Enqueuer(ctx.redis, ctx.settings)
    request = state.request
    state = record_result(ctx, state, index, result)
    more = index + 1 < len(state.steps)
    if result.upid:
        _track(ctx, state, index, result)
        if more:
            enqueue.step(state.root, index + 1, request.kind, after=f"{state.root}-t{index}")
    elif more:
        announce_step_done(ctx, state, index, result)
        enqueue.step(state.root, index + 1, request.kind)
    else:
        complete_chain(ctx, state, result.summary)
    return {"step": state.steps[index].name, "summary": result.summary, "upid": result.upid}


def announce_step_done(
    ctx: WorkerContext, state: ChainState, index: int, result: StepResult
) -> None:
    step_text = f"{label(state.request)}: {state.steps[index].name} ✓ {result.summary}"
    Reporter(ctx).post(state.request.target, public(step_text))


def announce_task(ctx: WorkerContext, state: ChainState, result: StepResult) -> MessageRef | None:
    """Record the task in the audit trail and post its UPID; the message tracking edits."""
    request = state.request
    assert result.upid is not None
    ctx.audit.record(
        "job.task",
        actor=request.requested_by,
        vmid=request.vmid,
        command=request.kind,
        job_id=state.root,
        upid=result.upid,
    )
    text = f"{label(request)}: {result.summary} (task started)"
    return Reporter(ctx).post(request.target, public(text, fields={"Task": result.upid}))


def _track(ctx: WorkerContext, state: ChainState, index: int, result: StepResult) -> None:
    """Post the UPID now, then hand the waiting to a tracking job (no worker waits)."""
    ref = announce_task(ctx, state, result)
    args = {
        "root": state.root,
        "index": index,
        "upid": result.upid,
        "ref": ref.model_dump(mode="json") if ref else None,
        "started": ctx.clock.now(),
    }
    Enqueuer(ctx.redis, ctx.settings).tracking(state.root, index, state.request.kind, args)


def _retry_or_fail(ctx: WorkerContext, state: ChainState, index: int, message: str) -> Retry:
    job = get_current_job()
    attempts = (job.number_of_retries or 0) if job else ctx.settings.retry_cap
    if attempts >= ctx.settings.retry_cap:
        fail_and_raise(ctx, state, index, f"{message} (gave up after {attempts + 1} attempts)")
    store = ctx.chains()
    # Re-read: the attempt recorded when it started, which the retry must look back to.
    state = store.get(state.root) or state
    store.update_step(state, index, state="pending", error=f"retrying: {message}")
    if attempts == 0:
        text = f"{label(state.request)}: Proxmox says “{message}”; trying again shortly."
        Reporter(ctx).post(state.request.target, public(text, tone="warning"))
    return Retry(max=ctx.settings.retry_cap, interval=list(ctx.settings.retry_intervals))


def on_failure(
    job: Job,
    connection: Redis,
    exc_type: type[BaseException] | None,
    exc_value: BaseException | None,
    traceback: TracebackType | None,
) -> None:
    """RQ failure callback (also run by StartedJobRegistry cleanup for abandoned jobs)."""
    del connection, traceback  # RQ's callback signature
    if isinstance(exc_value, ReportedFailure):
        return
    ctx = installed()
    meta = job.get_meta(refresh=False)
    if ctx is None or meta.get("role") not in {"step", "track"}:
        log.error("job %s failed (%s) with nobody to tell", job.id, exc_type)
        return
    state = ctx.chains().get(str(meta["root"]))
    if state is None or state.status != "running":
        return
    index = int(meta["index"])
    if isinstance(exc_value, AbandonedJobError):
        reason = "the worker running it stopped unexpectedly"
    else:
        reason = f"internal error ({exc_type.__name__ if exc_type else 'unknown'})"
    step = state.steps[index].name
    if job.retries_left:
        text = f"⚠ {label(state.request)}: {reason} during {step}; running it again."
        Reporter(ctx).post(state.request.target, public(text, tone="warning"))
        return
    fail_chain(ctx, state, index, f"{reason} during {step}")
