"""Picking up a task that an earlier attempt of a step already started.

Proxmox may accept a task and the answer still be lost (596, read timeout, connection reset
— all retried), or the worker may die between starting the task and recording its UPID.
Calling the Action again would start a second vzdump or reboot, or trip over the lock the
first task holds. So before a step runs again, ``started_task`` asks the VM's node for a
task that this deployment's token started on that VM since the earlier attempt began. The
busy lock lets only one of our operations act on a VM at a time, so such a task is that
step's — unless the chain already knows it (an earlier step's task, or one that failed and
is being retried), which is why every UPID the chain recorded is left out.

Which task types a step may start comes from the Action's step declarations
(``actions.base.Step``). Clones are the exception: their task runs on the template's node
under the template's VMID, so the build/rebuild ``clone`` step finds its own task
(``actions.server.provision``).
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from actions.base import Action, StepResult
from actions.vm import find_vm
from jobs.chain.outcome import target_vmid
from jobs.chain.preflight import typed_request
from jobs.chain.report import private_to
from jobs.context import WorkerContext
from jobs.state.chains import ChainState
from proxmox.upid import UPID, InvalidUPID

log = logging.getLogger(__name__)

# Proxmox's ``since`` compares with the task's start on the node's clock; allow for the
# worker's clock being a little ahead and for whole seconds in the UPID.
SLACK_SECONDS = 5


def was_attempted(state: ChainState, index: int) -> bool:
    """An earlier attempt of this step began and may have reached Proxmox: it died while
    running, or it was put back to pending after a retryable error."""
    step = state.steps[index]
    return step.started is not None and step.state in {"running", "pending"}


def started_task(
    ctx: WorkerContext, state: ChainState, index: int, action: Action[Any], request: BaseModel
) -> str | None:
    """The UPID of the task an earlier attempt of step ``index`` started, if there is one."""
    step = state.steps[index]
    if not was_attempted(state, index) or step.started is None:
        return None
    if action.step(step.name).finds_own_task:
        return None
    vmid = target_vmid(state)
    node = _node_of(ctx, state, vmid)
    if vmid is None or node is None:
        return None
    types = action.task_types(step.name, request)
    tasks = ctx.proxmox.tasks.list(
        node,
        vmid=vmid,
        since=int(step.started) - SLACK_SECONDS,
        source="all",
        typefilter=types[0] if len(types) == 1 else None,
        limit=50,
    )
    known = recorded_upids(state)
    ours = ctx.proxmox.client.token_id
    for task in tasks:  # newest first
        upid = _ours(task, ours, types)
        if upid is not None and upid not in known:
            log.warning("step %s of %s: adopting task %s", step.name, state.root, upid)
            return upid
    return None


def recorded_upids(state: ChainState) -> set[str]:
    """Every task the chain already knows: steps' tasks and tasks given up for a retry."""
    found = {s.upid for s in state.steps if s.upid}
    for s in state.steps:
        found.update(s.tried)
    return found


def _ours(task: dict[str, Any], user: str, types: tuple[str, ...]) -> str | None:
    """The task's UPID if our token started it (its UPID names the token as the user)."""
    try:
        upid = UPID.parse(task.get("upid"))
    except InvalidUPID:
        return None
    if types and upid.type not in types:
        return None
    return str(task["upid"]) if upid.user == user else None


def _node_of(ctx: WorkerContext, state: ChainState, vmid: int | None) -> str | None:
    node = state.context.get("node")
    if isinstance(node, str) and node:
        return node
    if vmid is None:
        return None
    found = find_vm(ctx.proxmox.cluster, vmid)
    return found.node if found is not None else None


def attempt(ctx: WorkerContext, state: ChainState, index: int) -> StepResult:
    """Run step ``index`` once — unless an earlier attempt already started its task: then
    that task is the result (the chain tracks it) and the Action is not called again."""
    action = ctx.action_for(state.kind)
    action.private = private_to(ctx, state.request.target)
    typed = typed_request(action, state.request, chain=state.root)
    adopted = started_task(ctx, state, index, action, typed)
    if adopted is not None:
        # In words, not by task type (``qmreboot``): the card shows it once the task is done.
        doing = state.steps[index].doing
        return StepResult(summary=f"{doing}: done by the task an earlier try started", upid=adopted)
    store = ctx.chains()
    state = store.update_step(state, index, state="running", started=ctx.clock.now(), error=None)
    return action.run_step(state.steps[index].name, typed, state.context)
