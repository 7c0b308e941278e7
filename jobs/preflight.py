"""What every job checks before it touches Proxmox: who owns the server (live, not cached)
and the typed Action request built from the job's JSON arguments."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from actions.base import Action, ActionError
from actions.common import parse_request
from actions.locate import find_vm
from jobs.api import JobRequest
from jobs.context import WorkerContext

# Job arguments that steer the job itself and are not part of the Action's request.
JOB_ONLY_ARGS = frozenset({"dry_run"})


def check_owner(ctx: WorkerContext, request: JobRequest) -> None:
    """A customer's job acts only on a server whose live owner tag names their account."""
    if request.vmid is None or request.account is None:
        return
    found = find_vm(ctx.proxmox.cluster, request.vmid)
    owner = ctx.actions_config.owner_of(list(found.tags)) if found else None
    if owner != request.account:
        # The same answer as a VM that does not exist: never confirm another's server.
        raise ActionError(f"server {request.vmid} does not exist")


def typed_request(action: Action[Any], request: JobRequest) -> BaseModel:
    """The Action's request from the job's arguments; ``requested_by`` is filled in from the
    job (never from chat) where the Action records who asked, e.g. in backup notes."""
    args = {k: v for k, v in request.args.items() if k not in JOB_ONLY_ARGS}
    if "requested_by" in action.request_model.model_fields:
        args["requested_by"] = request.requested_by
    return parse_request(action.request_model, args)
