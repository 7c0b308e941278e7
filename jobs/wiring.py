"""The real Actions behind each job kind (workers only: the bot process never imports them).

Each factory builds its Action from the worker context, so an Action gets exactly the
Proxmox facade, configuration and VMID reservations of the worker it runs in.
"""

from __future__ import annotations

from typing import Any

from actions.backup.create import BackupCreateAction
from actions.backup.delete import BackupDeleteAction
from actions.backup.listing import BackupListAction
from actions.backup.restore import RestoreAction
from actions.common import ServerAction
from actions.server.build import BuildAction
from actions.server.delete import DeleteAction
from actions.server.password import PasswordAction
from actions.server.power import PowerAction
from actions.server.rebuild import RebuildAction
from actions.server.resize import ResizeAction
from actions.server.status import StatusAction
from jobs.context import ActionFactory, WorkerContext
from jobs.reservations import RedisVmidReservations


def _build(ctx: WorkerContext) -> BuildAction:
    reservations = RedisVmidReservations(ctx.redis, prefix=ctx.prefix)
    return BuildAction(ctx.proxmox, ctx.actions_config, reservations)


def _plain(cls: type[ServerAction[Any]]) -> ActionFactory:
    def factory(ctx: WorkerContext) -> ServerAction[Any]:
        return cls(ctx.proxmox, ctx.actions_config)

    return factory


def real_action_factories() -> dict[str, ActionFactory]:
    simple: dict[str, type[ServerAction[Any]]] = {
        "server.delete": DeleteAction,
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
    return factories
