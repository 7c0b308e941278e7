"""How a chain ends, told once: success, failure (with the step and the VM's state), and
the wording of it. Used by step jobs, tracking jobs and the failure callback alike.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from rq import get_current_job

from actions.vm import find_vm
from jobs import kinds
from jobs.chain.report import Reporter, audit_job, public
from jobs.chain.wording import duration, label
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
    announce: bool = True,
    show_state: bool = True,
) -> ChainState:
    """Stop the chain at step ``index``: record, free the server, cancel what would follow,
    and tell the requester which step failed and (unless ``show_state`` is False: an
    ownership refusal) what state the server is in."""
    store = ctx.chains()
    state = store.update_step(state, index, state="failed", error=message, ended=ctx.clock.now())
    state = store.finish(state, "failed", message)
    release_lock(ctx, state)
    release_reservation(ctx, state)
    ctx.enqueuer().cancel(f"{state.root}-s{index + 1}")
    request = state.request
    audit_job(ctx, request, "job.failed", job_id=state.root, result=message)
    if announce:
        text = _failure_text(ctx, state, index, message, show_state=show_state)
        Reporter(ctx).post(request.target, public(text, tone="error"))
    return state


def _failure_text(
    ctx: WorkerContext, state: ChainState, index: int, message: str, *, show_state: bool
) -> str:
    what = label(state.request)
    if len(state.steps) > 1:
        text = (
            f"✗ {what} stopped at step {index + 1}/{len(state.steps)} "
            f"({state.steps[index].name}): {message}"
        )
    else:
        text = f"✗ {what} failed: {message}"
    if not show_state:
        return text
    vm = vm_state(ctx, state)
    vmid = target_vmid(state)
    if vm is not None and vmid is not None:
        text += f"\nServer {vmid} is {vm}."
    return text


def complete_chain(
    ctx: WorkerContext, state: ChainState, summary: str, *, announce: bool = True
) -> ChainState:
    store = ctx.chains()
    state = store.finish(state, "succeeded")
    release_lock(ctx, state)
    request = state.request
    audit_job(ctx, request, "job.succeeded", job_id=state.root, result=summary)
    if announce:
        Reporter(ctx).post(
            request.target,
            public(success_text(state, summary, now=ctx.clock.now()), tone="success"),
        )
    return state


def success_text(state: ChainState, summary: str, *, now: float) -> str:
    what = label(state.request)
    if len(state.steps) > 1:
        took = duration((state.ended or now) - state.started)
        text = f"✓ {what} done in {took}: {state.render()}"
    else:
        text = f"✓ {what}: {summary}"
    return "\n".join([text, *(f"⚠ {note}" for note in state.notes)])


def fail_and_raise(
    ctx: WorkerContext, state: ChainState, index: int, message: str, *, show_state: bool = True
) -> NoReturn:
    """Stop the chain at step ``index``, tell the requester, and fail this job."""
    fail_chain(ctx, state, index, message, show_state=show_state)
    raise_reported(message)
