"""Tracking a Proxmox task without holding a worker: check once, then ask RQ to run this job
again later (``Retry`` with backoff intervals, executed by RQ's scheduler).

The UPID message posted by the step is edited in place: progress (clone, backup, restore:
the percentage from the task log), then the outcome — ``OK``, ``WARNINGS: n`` (a success) or
Proxmox's error text — with the duration. Tracking gives up after the configured deadline
and says so; the task itself keeps running in Proxmox.

A task that failed on a lock (start/stop/resize/snapshot report "VM is locked (backup)" or
the config flock timeout as a task error, not as an HTTP error) is worth another try once
the lock holder is done: the step goes back to pending and this same job runs it again
after the retry backoff, then follows the new task. Staying in this job keeps the next step
waiting on it (RQ ``depends_on``); retries are capped like a step's.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict
from rq import Retry, get_current_job

from actions.base import ActionError
from jobs.chain import card
from jobs.chain.adopt import attempt
from jobs.chain.outcome import (
    complete_chain,
    fail_and_raise,
    fail_chain,
    follow_hint,
    raise_reported,
    shown_error,
    stop_following,
)
from jobs.chain.runner import Outcome, after_step
from jobs.chain.wording import duration, gave_up
from jobs.context import WorkerContext, current
from jobs.state.chains import ChainState
from proxmox.errors import ProxmoxApiException, ProxmoxLocked, classify_message
from proxmox.models import TaskStatus
from proxmox.upid import UPID

PROGRESS_TASK_TYPES = frozenset({"qmclone", "vzdump", "qmrestore"})
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_FOREVER = 1_000_000  # RQ's own cap on returned Retry; the deadline is what really stops us


class TrackArgs(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: str
    index: int
    upid: str
    started: float


def parse_percent(lines: list[str]) -> float | None:
    """The last percentage in these log lines (``transferred … (45.12%)``, ``INFO:  45% …``,
    ``progress 45% …``), capped at 100."""
    for line in reversed(lines):
        found = _PERCENT.findall(line)
        if found:
            return min(100.0, float(found[-1]))
    return None


def track_task(raw: dict[str, Any]) -> dict[str, Any] | Retry:
    ctx = current()
    job = get_current_job()
    # After a lock retry this job follows the new task: its UPID, message and start time.
    args = TrackArgs.model_validate({**raw, **(job.meta.get("follow", {}) if job else {})})
    state = ctx.chains().get(args.root)
    if state is None or state.status != "running":
        return {"skipped": f"chain {args.root} is not running"}
    if state.request.vmid is not None:
        ctx.locks().refresh(state.request.vmid, state.root, ctx.settings.lock_ttl)
    if state.steps[args.index].state == "pending":
        return _rerun(ctx, state, args)
    upid = UPID.parse(args.upid)
    elapsed = ctx.clock.now() - args.started
    try:
        task = ctx.proxmox.tasks.status(upid)
    except ProxmoxApiException as exc:
        if exc.retryable and elapsed < ctx.settings.tracking_deadline:
            return _again(ctx)
        _failed(ctx, state, args, f"cannot read the task status: {shown_error(exc)}", elapsed)
    if task.running:
        return _still_running(ctx, state, args, upid, elapsed)
    if not task.succeeded:
        error = task.error or "failed"
        if classify_message(error) is ProxmoxLocked and _retries() < ctx.settings.retry_cap:
            return _retry_locked(ctx, state, args, error)
        if _retries():
            fail_and_raise(ctx, state, args.index, _gave_up(ctx, error))
        _failed(ctx, state, args, error, elapsed)
    return _succeeded(ctx, state, args, task, elapsed)


def _again(ctx: WorkerContext) -> Retry:
    return Retry(max=_FOREVER, interval=list(ctx.settings.tracking_intervals))


def _still_running(
    ctx: WorkerContext, state: ChainState, args: TrackArgs, upid: UPID, elapsed: float
) -> dict[str, Any] | Retry:
    if elapsed >= ctx.settings.tracking_deadline:
        # Not a failure: the task goes on in Proxmox, only this card stops following it.
        message = (
            f"Still running on Proxmox after {duration(elapsed)}; this card stops following "
            f"it here. See where it stands with {follow_hint(state, args.upid)}."
        )
        stop_following(ctx, state, args.index, message)
        return {"upid": args.upid, "unfollowed": duration(elapsed)}
    if upid.type in PROGRESS_TASK_TYPES:
        _show_progress(ctx, state, upid)
    return _again(ctx)


def _show_progress(ctx: WorkerContext, state: ChainState, upid: UPID) -> None:
    """Read only the log lines not seen yet; show it on the card when the percentage moved."""
    job = get_current_job()
    meta = job.meta if job else {}
    offset = int(meta.get("log_offset", 0))
    try:
        lines, total = ctx.proxmox.tasks.log(upid, start=offset, limit=500)
    except ProxmoxApiException:
        return  # progress is a courtesy; the next check tries again
    percent = parse_percent([line.t for line in lines])
    if job is not None:
        job.meta["log_offset"] = max(offset, total)
    if percent is not None and percent != meta.get("percent"):
        if job is not None:
            job.meta["percent"] = percent
        card.show(ctx, state, progress=percent)
    if job is not None:
        job.save_meta()  # type: ignore[no-untyped-call]


def _succeeded(
    ctx: WorkerContext, state: ChainState, args: TrackArgs, task: TaskStatus, elapsed: float
) -> dict[str, Any]:
    exit_text = task.exitstatus or "OK"
    state = ctx.chains().update_step(state, args.index, state="done", ended=ctx.clock.now())
    if args.index + 1 == len(state.steps):
        complete_chain(ctx, state, state.steps[args.index].summary, exit_status=exit_text)
    else:
        card.show(ctx, state)  # the next step waits on this job and starts now
    return {"upid": args.upid, "exitstatus": exit_text, "took": duration(elapsed)}


def _failed(
    ctx: WorkerContext, state: ChainState, args: TrackArgs, error: str, elapsed: float
) -> NoReturn:
    fail_chain(ctx, state, args.index, f"{error} (after {duration(elapsed)})")
    raise_reported(error)


# -- lock retries ----------------------------------------------------------------------------


def _retries() -> int:
    job = get_current_job()
    return int(job.meta.get("step_retries", 0)) if job else 0


def _gave_up(ctx: WorkerContext, error: str) -> str:
    """The error, and (when it was retried) how many tries over how long, in one phrase."""
    tries = _retries()
    if not tries:
        return error
    job = get_current_job()
    now = ctx.clock.now()
    since = float(job.meta.get("first_try", now)) if job else now
    return gave_up(error, tries + 1, now - since)


def _backoff(ctx: WorkerContext, since: float | None = None) -> Retry:
    """Count one more try of the step and wait the step retry interval for it; ``since``:
    when the first try began (kept from the first retry on, for the give-up's wording)."""
    tries = _retries()
    job = get_current_job()
    if job is not None:
        job.meta["step_retries"] = tries + 1
        job.meta.setdefault("first_try", since if since is not None else ctx.clock.now())
        job.save_meta()  # type: ignore[no-untyped-call]
    intervals = ctx.settings.retry_intervals or (1,)
    return Retry(max=_FOREVER, interval=[intervals[min(tries, len(intervals) - 1)]])


def _retry_locked(ctx: WorkerContext, state: ChainState, args: TrackArgs, error: str) -> Retry:
    """The task failed on a lock: put the step back to pending and try it again later.
    The failed task is remembered so that the re-run never takes it for its own."""
    step = state.steps[args.index]
    ctx.chains().update_step(
        state,
        args.index,
        state="pending",
        upid=None,
        tried=(*step.tried, args.upid),
        error=f"retrying: {error}",
    )
    retry = _backoff(ctx, since=step.started)
    card.show(ctx, ctx.chains().get(state.root) or state)
    return retry


def _rerun(ctx: WorkerContext, state: ChainState, args: TrackArgs) -> Outcome:
    """Run the step again (its backoff is over); follow its new task, if it starts one."""
    try:
        result = attempt(ctx, state, args.index)
    except ProxmoxApiException as exc:
        if exc.retryable and _retries() < ctx.settings.retry_cap:
            ctx.chains().update_step(
                state, args.index, state="pending", error=f"retrying: {shown_error(exc)}"
            )
            return _backoff(ctx, since=state.steps[args.index].started)
        fail_and_raise(ctx, state, args.index, _gave_up(ctx, shown_error(exc)))
    except ActionError as exc:
        fail_and_raise(ctx, state, args.index, str(exc))

    def follow_here(upid: str) -> Outcome:
        _follow(upid, started=ctx.clock.now())
        return _again(ctx)

    return after_step(ctx, state, args.index, result, follow_here=follow_here)


def _follow(upid: str, *, started: float) -> None:
    """From now on this job tracks ``upid`` (its arguments cannot change; its meta can)."""
    job = get_current_job()
    if job is None:
        return
    follow = {"upid": upid, "started": started}
    job.meta.update(follow=follow, log_offset=0)
    job.meta.pop("percent", None)
    job.save_meta()  # type: ignore[no-untyped-call]
