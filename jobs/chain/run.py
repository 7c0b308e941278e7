"""The chain engine's job functions: ``start`` (the root job of every Action-backed kind,
``jobs.kinds.RUN_CHAIN``), ``run_step`` (step N of a chain) and ``on_failure``.

``start`` re-checks ownership against live Proxmox and takes the busy lock, then each step
runs in its own job and ``jobs.chain.runner.after_step`` decides what follows. Retryable
Proxmox errors come back as ``Retry`` with backoff and a cap; everything else fails at once
and is reported. ``on_failure`` is the RQ failure callback that covers what a job cannot
report itself: a worker that died mid-job (``AbandonedJobError``).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from types import TracebackType
from typing import Any

from redis import Redis
from rq import Retry, get_current_job
from rq.exceptions import AbandonedJobError
from rq.job import Job

from actions.base import ActionError
from bot.ports.invocation import shown_person
from bot.ports.reply import Reply
from jobs.chain import card
from jobs.chain.adopt import attempt
from jobs.chain.outcome import (
    ReportedFailure,
    fail_and_raise,
    fail_chain,
    raise_reported,
    shown_error,
)
from jobs.chain.preflight import NotOwned, check_owner, typed_request
from jobs.chain.report import Reporter, audit_job
from jobs.chain.runner import Outcome, after_step
from jobs.chain.wording import gave_up, label
from jobs.context import WorkerContext, current, installed
from jobs.kinds import KINDS
from jobs.queue import JobRequest, job_id_for
from jobs.state.chains import ChainState
from jobs.state.locks import BusyInfo
from proxmox.errors import ProxmoxApiException

log = logging.getLogger(__name__)


def start(request_data: dict[str, Any]) -> Outcome:
    """Root job: set up the chain for this request and run its first step."""
    ctx = current()
    request = JobRequest.model_validate(request_data)
    if request.args.get("dry_run"):
        return _dry_run(ctx, request)
    job = get_current_job()
    root = job.id if job else job_id_for(ctx.prefix, request.inbound_id)
    action = ctx.action_for(request.kind)
    typed = typed_request(action, request, chain=root)
    steps = tuple(replace(s, says=action.step_says(s.name, typed)) for s in action.steps)
    state = ctx.chains().ensure(root, request, steps)
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
            return _retry_or_fail(ctx, state, index, shown_error(exc))
        fail_and_raise(ctx, state, index, shown_error(exc))
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
    """``dry-run=yes``: read live state, show the requester the Action's plan privately,
    change nothing (no lock)."""
    what = f"Dry run of {label(request)}"
    try:
        check_owner(ctx, request)
        action = ctx.action_for(request.kind)
        plan = action.plan(typed_request(action, request))
    except (ProxmoxApiException, ActionError) as exc:
        message = shown_error(exc) if isinstance(exc, ProxmoxApiException) else str(exc)
        Reporter(ctx).private(request.target, Reply(text=f"✗ {what}: {message}", tone="error"))
        audit_job(ctx, request, "job.failed", result=message)
        raise_reported(message)
    reply = Reply(text=f"{what}: nothing was changed", code=plan.render())
    Reporter(ctx).private(request.target, reply)
    audit_job(ctx, request, "job.succeeded", result="dry run")
    return {"dry_run": True, "plan": plan.render()}


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
        job_id=state.root,
        kind=request.kind,
        requester=request.target.requester_name or shown_person(request.requested_by),
        since=ctx.clock.now(),
    )
    locks = ctx.locks()
    busy = locks.acquire(request.vmid, holder, ctx.settings.lock_ttl)
    if busy is not None:
        raise ActionError(busy.describe(request.vmid, now=ctx.clock.now()))


def _run_step(ctx: WorkerContext, state: ChainState, index: int) -> Outcome:
    request = state.request
    if request.vmid is not None:
        ctx.locks().refresh(request.vmid, state.root, ctx.settings.lock_ttl)
    if index == 0 and state.steps[0].started is None:
        audit_job(
            ctx, request, "job.started", job_id=state.root, args=request.args,
            approver=request.approved_by,
        )  # fmt: skip
    step = state.steps[index].name
    if state.steps[index].state in {"task", "done"}:
        # Redelivered after the step recorded its result: its task and the next step are
        # already queued, and re-running it could undo later steps (a rebuild's destroy
        # after the clone).
        log.warning("step %s of %s already ran; not running it again", step, state.root)
        return {"step": step, "skipped": "already ran"}
    result = attempt(ctx, state, index)
    return after_step(ctx, state, index, result)


def _retry_or_fail(ctx: WorkerContext, state: ChainState, index: int, message: str) -> Retry:
    job = get_current_job()
    attempts = (job.number_of_retries or 0) if job else ctx.settings.retry_cap
    store = ctx.chains()
    # Re-read: the attempt recorded when it started, which the retry must look back to.
    state = store.get(state.root) or state
    now = ctx.clock.now()
    first = float(job.meta.get("first_try", 0)) if job else 0.0
    if attempts >= ctx.settings.retry_cap:
        since = first or state.steps[index].started or now
        fail_and_raise(ctx, state, index, gave_up(message, attempts + 1, now - since))
    if job is not None and not first:  # when the tries began, for the give-up's "over 3 s"
        job.meta["first_try"] = state.steps[index].started or now
        job.save_meta()  # type: ignore[no-untyped-call]
    state = store.update_step(state, index, state="pending", error=f"retrying: {message}")
    card.show(ctx, state)
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
    if job.retries_left:
        state = ctx.chains().update_step(state, index, error=f"retrying: {reason}")
        card.show(ctx, state)
        return
    fail_chain(ctx, state, index, reason)
