"""What follows a step, decided in one place for step jobs and tracking jobs alike.

``after_step`` keeps what the step returned (``record_result``), then: a step that started a
Proxmox task gets its UPID on the request's card at once and is tracked without holding a worker (a
tracking job; the next step waits on it through RQ ``depends_on``); a step without a task
lets the next one start; the last step completes the chain. A tracking job that ran a step
again (after a lock retry) follows the new task itself: the next step already waits on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rq import Retry

from actions.base import StepResult
from jobs.chain import card
from jobs.chain.outcome import complete_chain
from jobs.chain.report import audit_job
from jobs.context import WorkerContext
from jobs.state.chains import ChainState

Outcome = dict[str, Any] | Retry
# A tracking job's way of following a task it started by running a step again.
FollowHere = Callable[[str], Outcome]


def record_result(
    ctx: WorkerContext, state: ChainState, index: int, result: StepResult
) -> ChainState:
    """Keep what the step returned: context, notes, its task (or that it is done)."""
    store = ctx.chains()
    notes = result.pending + ((card.REBOOT_NOTE,) if result.needs_reboot else ())
    state = store.merge_context(state, dict(result.context), notes)
    step_state = "task" if result.upid else "done"
    ended = None if result.upid else ctx.clock.now()
    return store.update_step(
        state,
        index,
        state=step_state,
        summary=result.summary,
        upid=result.upid,
        ended=ended,
        skipped=result.skipped,
    )


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
    # Re-read: the attempt recorded its start (and cleared a retry's error) on the chain;
    # writing the caller's older copy back would lose what a later retry must look back to.
    state = ctx.chains().get(state.root) or state
    state = record_result(ctx, state, index, result)
    more = index + 1 < len(state.steps)
    if result.upid:
        audit_job(ctx, state.request, "job.task", job_id=state.root, upid=result.upid)
        card.show(ctx, state)  # the card now names the task
        if follow_here is not None:
            return follow_here(result.upid)
        _track(ctx, state, index, result.upid)
        if more:
            ctx.enqueuer().step(state.root, index + 1, state.kind, after=f"{state.root}-t{index}")
    elif more:
        card.show(ctx, state)
        if follow_here is None:
            ctx.enqueuer().step(state.root, index + 1, state.kind)
    else:
        complete_chain(ctx, state, result.summary)
    return {"step": state.steps[index].name, "summary": result.summary, "upid": result.upid}


def _track(ctx: WorkerContext, state: ChainState, index: int, upid: str) -> None:
    """Hand the waiting to a tracking job (no worker waits)."""
    args = {"root": state.root, "index": index, "upid": upid, "started": ctx.clock.now()}
    ctx.enqueuer().tracking(state.root, index, state.kind, args)
