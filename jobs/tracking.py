"""Tracking a Proxmox task without holding a worker: check once, then ask RQ to run this job
again later (``Retry`` with backoff intervals, executed by RQ's scheduler).

The UPID message posted by the step is edited in place: progress (clone, backup, restore:
the percentage from the task log), then the outcome — ``OK``, ``WARNINGS: n`` (a success) or
Proxmox's error text — with the duration. Tracking gives up after the configured deadline
and says so; the task itself keeps running in Proxmox.
"""

from __future__ import annotations

import re
import time
from typing import Any, NoReturn

from pydantic import BaseModel, ConfigDict
from rq import Retry, get_current_job

from bot.notify import MessageRef
from bot.reply import Tone
from jobs.chains import ChainState, ChainStore
from jobs.context import WorkerContext, current
from jobs.locks import BusyLocks
from jobs.outcome import complete_chain, duration, fail_chain, label
from jobs.report import Reporter, public
from jobs.runner import raise_reported
from proxmox.errors import ProxmoxApiException
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
    ref: MessageRef | None = None
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
    args = TrackArgs.model_validate(raw)
    state = ChainStore(ctx.redis, prefix=ctx.prefix).get(args.root)
    if state is None or state.status != "running":
        return {"skipped": f"chain {args.root} is not running"}
    if state.request.vmid is not None:
        BusyLocks(ctx.redis, prefix=ctx.prefix).refresh(
            state.request.vmid, state.root, ctx.settings.lock_ttl
        )
    upid = UPID.parse(args.upid)
    elapsed = time.time() - args.started
    try:
        task = ctx.proxmox.tasks.status(upid)
    except ProxmoxApiException as exc:
        if exc.retryable and elapsed < ctx.settings.tracking_deadline:
            return _again(ctx)
        _failed(ctx, state, args, f"cannot read the task status: {exc.message}", elapsed)
    if task.running:
        return _still_running(ctx, state, args, upid, elapsed)
    if not task.succeeded:
        _failed(ctx, state, args, task.error or "failed", elapsed)
    return _succeeded(ctx, state, args, task, elapsed)


def _again(ctx: WorkerContext) -> Retry:
    return Retry(max=_FOREVER, interval=list(ctx.settings.tracking_intervals))


def _still_running(
    ctx: WorkerContext, state: ChainState, args: TrackArgs, upid: UPID, elapsed: float
) -> dict[str, Any] | Retry:
    step = state.steps[args.index]
    if elapsed >= ctx.settings.tracking_deadline:
        text = (
            f"⌛ {label(state.request)}: {step.summary} is still running after "
            f"{duration(elapsed)}; I stopped watching it (task {args.upid})."
        )
        Reporter(ctx).update(state.request.target, args.ref, public(text, tone="warning"))
        fail_chain(
            ctx,
            state,
            args.index,
            f"still running after {duration(elapsed)}",
            announce=len(state.steps) > 1,  # a single step's edited message says it all
        )
        raise_reported("tracking deadline reached")
    if upid.type in PROGRESS_TASK_TYPES:
        _show_progress(ctx, state, args, upid)
    return _again(ctx)


def _show_progress(ctx: WorkerContext, state: ChainState, args: TrackArgs, upid: UPID) -> None:
    """Read only the log lines not seen yet; edit the message when the percentage moved."""
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
        text = f"{label(state.request)}: {state.steps[args.index].summary} … {percent:.0f}%"
        Reporter(ctx).update(
            state.request.target, args.ref, public(text, fields={"Task": args.upid})
        )
    if job is not None:
        job.save_meta()  # type: ignore[no-untyped-call]


def _succeeded(
    ctx: WorkerContext, state: ChainState, args: TrackArgs, task: TaskStatus, elapsed: float
) -> dict[str, Any]:
    store = ChainStore(ctx.redis, prefix=ctx.prefix)
    step = state.steps[args.index]
    exit_text = task.exitstatus or "OK"
    tone: Tone = "warning" if task.warnings else "success"
    text = f"✓ {label(state.request)}: {step.summary} — {exit_text} in {duration(elapsed)}"
    Reporter(ctx).update(state.request.target, args.ref, public(text, tone=tone))
    state = store.update_step(state, args.index, state="done", ended=time.time())
    if args.index + 1 == len(state.steps):
        # A single step's edited message already is the outcome; a chain gets a summary.
        complete_chain(ctx, state, step.summary, announce=len(state.steps) > 1)
    return {"upid": args.upid, "exitstatus": exit_text}


def _failed(
    ctx: WorkerContext, state: ChainState, args: TrackArgs, error: str, elapsed: float
) -> NoReturn:
    step = state.steps[args.index]
    text = f"✗ {label(state.request)}: {step.summary} — failed after {duration(elapsed)}: {error}"
    Reporter(ctx).update(state.request.target, args.ref, public(text, tone="error"))
    fail_chain(ctx, state, args.index, error, announce=len(state.steps) > 1)
    raise_reported(error)
