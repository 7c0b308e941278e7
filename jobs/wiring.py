"""The real Actions behind each job kind (workers only: the bot process never imports them).

Each factory builds its Action from the worker context, so an Action gets exactly the
Proxmox facade, configuration and VMID reservations of the worker it runs in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from actions.backup.create import BackupCreateAction
from actions.backup.delete import BackupDeleteAction
from actions.backup.listing import BackupListAction
from actions.backup.restore import RestoreAction
from actions.base import JSON, StepResult
from actions.common import ServerAction
from actions.server.assign import AssignAction, AssignRequest
from actions.server.build import BuildAction
from actions.server.delete import DeleteAction, DeleteRequest
from actions.server.password import PasswordAction
from actions.server.power import PowerAction
from actions.server.rebuild import RebuildAction
from actions.server.resize import ResizeAction
from actions.server.status import StatusAction
from jobs.context import ActionFactory, WorkerContext
from jobs.node import inventory_entry
from jobs.state.inventory import Inventory
from jobs.state.reservations import RedisVmidReservations


def _build(ctx: WorkerContext) -> BuildAction:
    reservations = RedisVmidReservations(ctx.redis, prefix=ctx.prefix, cluster=ctx.cluster)
    return BuildAction(ctx.proxmox, ctx.actions_config, reservations)


class CachedAssignAction(AssignAction):
    """Assign, then record the new owner in the inventory cache at once, so the customer
    sees the server in ``/server list`` before the next sync."""

    def __init__(self, ctx: WorkerContext) -> None:
        super().__init__(ctx.proxmox, ctx.actions_config)
        self._inventory = Inventory(ctx.redis, prefix=ctx.prefix, cluster=ctx.cluster)

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
        self._inventory = Inventory(ctx.redis, prefix=ctx.prefix, cluster=ctx.cluster)

    def destroy(self, request: DeleteRequest, context: Mapping[str, JSON]) -> StepResult:
        result = super().destroy(request, context)
        self._inventory.remove(request.vmid)
        return result


def _plain(cls: type[ServerAction[Any]]) -> ActionFactory:
    def factory(ctx: WorkerContext) -> ServerAction[Any]:
        return cls(ctx.proxmox, ctx.actions_config)

    return factory


def real_action_factories() -> dict[str, ActionFactory]:
    simple: dict[str, type[ServerAction[Any]]] = {
        "server.rebuild": RebuildAction,
        "server.resize": ResizeAction,
        "server.password": PasswordAction,
        "server.power": PowerAction,
        "server.status": StatusAction,
        "backup.create": BackupCreateAction,
        "backup.restore": RestoreAction,
        "backup.delete": BackupDeleteAction,
        "backup.list": BackupListAction,
    }
    factories: dict[str, ActionFactory] = {kind: _plain(cls) for kind, cls in simple.items()}
    factories["server.build"] = _build
    factories["server.assign"] = CachedAssignAction
    factories["server.delete"] = CachedDeleteAction
    return factories
