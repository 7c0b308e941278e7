"""What every job checks before it touches Proxmox: who owns the server (live, not cached)
and the typed Action request built from the job's JSON arguments."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from actions.base import Action, ActionError
from actions.common import parse_request
from actions.vm import find_vm
from bot.ports.invocation import shown_person
from jobs.context import WorkerContext
from jobs.queue import JobRequest

# Job arguments that steer the job itself and are not part of the Action's request.
JOB_ONLY_ARGS = frozenset({"dry_run"})


class NotOwned(ActionError):
    """The live owner tag does not name the job's account, or the VM does not exist: one
    refusal for both, reported without the VM's state (which would tell a stranger that it
    exists and whether it runs)."""


def check_owner(ctx: WorkerContext, request: JobRequest) -> None:
    """A customer's job acts only on a server whose live owner tag names their account."""
    if request.vmid is None or request.account is None:
        return
    found = find_vm(ctx.proxmox.cluster, request.vmid)
    owner = ctx.actions_config.owner_of(list(found.tags)) if found else None
    if owner != request.account:
        # The same answer as a VM that does not exist: never confirm another's server.
        raise NotOwned(f"server {request.vmid} does not exist")


def typed_request(
    action: Action[Any], request: JobRequest, *, chain: str | None = None
) -> BaseModel:
    """The Action's request from the job's arguments. Filled in from the job, never from
    chat: ``requested_by`` where the Action records who asked (backup notes), and
    ``holder`` (the chain's id) where it reserves something (a build's VMID), so that two
    builds never share a reservation while a re-run of the same chain finds its own."""
    args = {k: v for k, v in request.args.items() if k not in JOB_ONLY_ARGS}
    fields = action.request_model.model_fields
    if "requested_by" in fields:  # as people read it in the backup's notes, not a key
        args["requested_by"] = request.target.requester_name or shown_person(request.requested_by)
    if "holder" in fields and chain is not None:
        args["holder"] = chain
    return parse_request(action.request_model, args)
