"""How a chain ends, told once: success, failure (with the step and the VM's state), and
the wording of it. Used by step jobs, tracking jobs and the failure callback alike.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from rq import get_current_job

from actions.vm import find_vm
from bot.ports.reply import Button, Reply
from jobs import kinds
from jobs.chain import card
from jobs.chain.report import Reporter, audit_job
from jobs.context import WorkerContext
from jobs.state.chains import ChainState
from proxmox.errors import ProxmoxApiException

log = logging.getLogger(__name__)


class ReportedFailure(Exception):
    """The job failed and the requester has been told; RQ records it as failed."""


def raise_reported(message: str) -> NoReturn:
    """Fail the RQ job without RQ retrying it: the worker-death retry budget is for deaths."""
    job = get_current_job()
    if job is not None:
        job.retries_left = 0
    raise ReportedFailure(message)


def shown_error(exc: ProxmoxApiException) -> str:
    """A Proxmox error as the requester reads it (``public``: never the bot's settings);
    when that hides the operator's hint (a rejected token: check PROXMOX_TOKEN_ID/SECRET),
    the hint goes to the worker's log, where whoever runs the bot looks."""
    if exc.public != exc.message:
        log.error("Proxmox error, told the requester in other words: %s", exc)
    return exc.public


def target_vmid(state: ChainState) -> int | None:
    vmid = state.request.vmid if state.request.vmid is not None else state.context.get("vmid")
    return int(vmid) if isinstance(vmid, int | str) and str(vmid).isdigit() else None


def vm_state(ctx: WorkerContext, state: ChainState) -> str | None:
    """``running``/``stopped``/``gone`` from live Proxmox; None when it cannot be known."""
    vmid = target_vmid(state)
    if vmid is None:
        return None
    try:
        found = find_vm(ctx.proxmox.cluster, vmid)
    except (ProxmoxApiException, ValueError) as exc:
        log.info("could not read the state of VM %s: %s", vmid, exc)
        return None
    if found is None:
        return "gone (it does not exist)"
    return f"{found.status or 'unknown'}" + (f", locked ({found.lock})" if found.lock else "")


def release_reservation(ctx: WorkerContext, state: ChainState) -> None:
    """A failed build frees the VMID it reserved (if this chain still holds it) at once,
    instead of keeping it from other builds until the reservation expires."""
    vmid = state.context.get("vmid")
    if state.request.kind != kinds.SERVER_BUILD.name or not isinstance(vmid, int):
        return
    reservations = ctx.reservations()
    if reservations.holder(vmid) == state.root:
        reservations.release(vmid)


def release_lock(ctx: WorkerContext, state: ChainState) -> None:
    if state.request.vmid is not None:
        ctx.locks().release(state.request.vmid, state.root)


def fail_chain(
    ctx: WorkerContext,
    state: ChainState,
    index: int,
    message: str,
    *,
    show_state: bool = True,
) -> ChainState:
    """Stop the chain at step ``index``: record, free the server, cancel what would follow,
    and show on the card which step failed and (unless ``show_state`` is False: an
    ownership refusal, which must read exactly like a server that does not exist) what
    state the server is in."""
    store = ctx.chains()
    state = store.update_step(state, index, state="failed", error=message, ended=ctx.clock.now())
    vm = vm_state(ctx, state) if show_state else None
    shown = f"{message.rstrip('.')}. The server is {vm}." if vm is not None else message
    state = store.finish(state, "failed", shown)
    release_lock(ctx, state)
    release_reservation(ctx, state)
    ctx.enqueuer().cancel(f"{state.root}-s{index + 1}")
    audit_job(ctx, state.request, "job.failed", job_id=state.root, result=message)
    return _announce(ctx, state, reveal=show_state)


def stop_following(ctx: WorkerContext, state: ChainState, index: int, message: str) -> ChainState:
    """Stop following step ``index``'s task, which is still running on Proxmox: not a
    failure. Free the server and cancel what would follow (nobody will see this task end),
    show on the card that the task goes on and how to follow it (``message``), and tell the
    requester once, in the card's thread."""
    store = ctx.chains()
    state = store.finish(state, "unfollowed", message)
    release_lock(ctx, state)
    ctx.enqueuer().cancel(f"{state.root}-s{index + 1}")
    audit_job(ctx, state.request, "job.unfollowed", job_id=state.root, result=message)
    if not is_mutating(state):
        Reporter(ctx).private(state.request.target, Reply(text=message, tone="warning"))
        return state
    state = card.show(ctx, state, final=True)
    target = state.request.target
    if state.card is not None:
        target = target.model_copy(update={"reply_to": state.card.id})
    notice = Reply(text=message, ephemeral=False, tone="warning", mention=True)
    Reporter(ctx).post(target, notice)
    return state


def follow_hint(state: ChainState, upid: str) -> str:
    """The command that shows where the request stands: its ``#ref``, else the task id."""
    ref = state.request.ref
    return f"/server task #{ref}" if ref else f"/server task {upid}"


def complete_chain(
    ctx: WorkerContext, state: ChainState, summary: str, *, exit_status: str | None = None
) -> ChainState:
    state = ctx.chains().finish(state, "succeeded")
    release_lock(ctx, state)
    audit_job(ctx, state.request, "job.succeeded", job_id=state.root, result=summary)
    if not is_mutating(state):
        # A read answers privately with the data itself: no card, nothing in the channel;
        # a long one a page at a time, with the buttons to the pages beside it.
        turns = state.context.get("page_buttons") or []
        buttons = tuple(Button.model_validate(b) for b in turns)
        reply = Reply(text=summary, tone="info", buttons=buttons)
        Reporter(ctx).private(state.request.target, reply)
        return state
    return _announce(ctx, state, exit_status=exit_status)


def _announce(
    ctx: WorkerContext, state: ChainState, *, exit_status: str | None = None, reveal: bool = True
) -> ChainState:
    if not is_mutating(state):
        Reporter(ctx).private(state.request.target, Reply(text=f"✗ {state.error}", tone="error"))
        return state
    return card.show(ctx, state, final=True, exit_status=exit_status, reveal=reveal, announce=True)


def is_mutating(state: ChainState) -> bool:
    kind = kinds.KINDS.get(state.kind)
    return kind is None or kind.mutating


def fail_and_raise(
    ctx: WorkerContext, state: ChainState, index: int, message: str, *, show_state: bool = True
) -> NoReturn:
    """Stop the chain at step ``index``, tell the requester, and fail this job."""
    fail_chain(ctx, state, index, message, show_state=show_state)
    raise_reported(message)
