"""What follows a step, decided in one place for step jobs and tracking jobs alike.

``after_step`` keeps what the step returned (``record_result``), then: a step that started a
Proxmox task gets its UPID posted at once and is tracked without holding a worker (a
tracking job; the next step waits on it through RQ ``depends_on``); a step without a task
lets the next one start; the last step completes the chain. A tracking job that ran a step
again (after a lock retry) follows the new task itself: the next step already waits on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rq import Retry

from actions.base import StepResult
from bot.ports.notify import MessageRef
from bot.ports.reply import Reply
from jobs.chain.outcome import complete_chain
from jobs.chain.report import Reporter, audit_job, public
from jobs.chain.wording import label
from jobs.context import WorkerContext
from jobs.state.chains import ChainState

Outcome = dict[str, Any] | Retry
# A tracking job's way of following a task it started by running a step again.
FollowHere = Callable[[str, MessageRef | None], Outcome]


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


def after_step(
    ctx: WorkerContext,
    state: ChainState,
    index: int,
    result: StepResult,
    *,
    follow_here: FollowHere | None = None,
) -> Outcome:
    """``follow_here``: this is a tracking job re-running its step, which follows a new task
    itself and whose next step is already queued behind it."""
    state = record_result(ctx, state, index, result)
    more = index + 1 < len(state.steps)
    enqueue = ctx.enqueuer()
    if result.upid:
        ref = announce_task(ctx, state, result)
        if follow_here is not None:
            return follow_here(result.upid, ref)
        _track(ctx, state, index, result.upid, ref)
        if more:
            enqueue.step(state.root, index + 1, state.kind, after=f"{state.root}-t{index}")
    elif more:
        announce_step_done(ctx, state, index, result)
        if follow_here is None:
            enqueue.step(state.root, index + 1, state.kind)
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
    audit_job(ctx, request, "job.task", job_id=state.root, upid=result.upid)
    text = f"{label(request)}: {result.summary} (task started)"
    return Reporter(ctx).post(request.target, public(text, fields={"Task": result.upid}))


def _track(
    ctx: WorkerContext, state: ChainState, index: int, upid: str, ref: MessageRef | None
) -> None:
    """Hand the waiting to a tracking job (no worker waits)."""
    args = {
        "root": state.root,
        "index": index,
        "upid": upid,
        "ref": ref.model_dump(mode="json") if ref else None,
        "started": ctx.clock.now(),
    }
    ctx.enqueuer().tracking(state.root, index, state.kind, args)
