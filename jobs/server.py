"""Server operations: the Action behind each server kind, built from the worker context.

Each factory gives its Action exactly the Proxmox facade, configuration and VMID
reservations of the worker it runs in. Assign and delete also keep the inventory cache
current at once, so ``/server list`` and autocomplete need not wait for the next sync.
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.base import JSON, StepResult
from actions.server.assign import AssignAction, AssignRequest
from actions.server.build import BuildAction
from actions.server.delete import DeleteAction, DeleteRequest
from actions.server.password import PasswordAction
from actions.server.power import PowerAction
from actions.server.rebuild import RebuildAction
from actions.server.resize import ResizeAction
from actions.server.status import StatusAction
from jobs import kinds
from jobs.context import ActionFactory, WorkerContext, plain
from jobs.state.inventory import inventory_entry


def _build(ctx: WorkerContext) -> BuildAction:
    reservations = ctx.reservations()
    return BuildAction(ctx.proxmox, ctx.actions_config, reservations)


class CachedAssignAction(AssignAction):
    """Assign, then record the new owner in the inventory cache at once, so the customer
    sees the server in ``/server list`` before the next sync."""

    def __init__(self, ctx: WorkerContext) -> None:
        super().__init__(ctx.proxmox, ctx.actions_config)
        self._inventory = ctx.inventory()

    def execute(self, request: AssignRequest, context: Mapping[str, JSON]) -> StepResult:
        result = super().execute(request, context)
        cached = self._inventory.get(request.vmid)
        if cached is not None:
            self._inventory.put(cached.model_copy(update={"owner": request.account}))
        else:
            self._put_from_cluster(request.vmid, request.account)
        return result

    def _put_from_cluster(self, vmid: int, account: str) -> None:
        for resource in self.px.cluster.resources("vm"):
            entry = inventory_entry(resource, self.config) if resource.vmid == vmid else None
            if entry is not None:
                self._inventory.put(entry.model_copy(update={"owner": account}))


class CachedDeleteAction(DeleteAction):
    """Delete, then drop the server from the inventory cache once its destroy task has
    started (or it was already gone), so it leaves ``list`` and autocomplete at once; a
    failed destroy puts it back at the next sync."""

    def __init__(self, ctx: WorkerContext) -> None:
        super().__init__(ctx.proxmox, ctx.actions_config)
        self._inventory = ctx.inventory()

    def destroy(self, request: DeleteRequest, context: Mapping[str, JSON]) -> StepResult:
        result = super().destroy(request, context)
        self._inventory.remove(request.vmid)
        return result


ACTIONS: Mapping[str, ActionFactory] = {
    kinds.SERVER_BUILD.name: _build,
    kinds.SERVER_DELETE.name: CachedDeleteAction,
    kinds.SERVER_REBUILD.name: plain(RebuildAction),
    kinds.SERVER_RESIZE.name: plain(ResizeAction),
    kinds.SERVER_PASSWORD.name: plain(PasswordAction),
    kinds.SERVER_POWER.name: plain(PowerAction),
    kinds.SERVER_STATUS.name: plain(StatusAction),
    kinds.SERVER_ASSIGN.name: CachedAssignAction,
}
