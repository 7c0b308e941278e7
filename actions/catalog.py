"""Job kind → Action, for the jobs layer: ``make_action(kind, px, config, reservations)``.

``server.power`` takes its verb from the request (``action=start|shutdown|…``). Requests
are parsed with ``parse_request`` so bad arguments become one ``ActionError`` naming them.
"""

from __future__ import annotations

from typing import Any

from actions.backup.create import BackupCreateAction
from actions.backup.delete import BackupDeleteAction
from actions.backup.listing import BackupListAction
from actions.backup.restore import RestoreAction
from actions.base import Action, ActionError, VmidReservations
from actions.common import ServerAction
from actions.config import ActionsConfig
from actions.server.build import BuildAction
from actions.server.delete import DeleteAction
from actions.server.password import PasswordAction
from actions.server.power import PowerAction
from actions.server.rebuild import RebuildAction
from actions.server.resize import ResizeAction
from actions.server.status import ListAction, StatusAction
from proxmox.repositories import Proxmox

_SIMPLE: dict[str, type[ServerAction[Any]]] = {
    action.name: action
    for action in (
        DeleteAction,
        RebuildAction,
        ResizeAction,
        PasswordAction,
        PowerAction,
        StatusAction,
        ListAction,
        BackupCreateAction,
        BackupListAction,
        RestoreAction,
        BackupDeleteAction,
    )
}
KINDS: tuple[str, ...] = (BuildAction.name, *sorted(_SIMPLE))


def make_action(
    kind: str, px: Proxmox, config: ActionsConfig, reservations: VmidReservations | None = None
) -> Action[Any]:
    if kind == BuildAction.name:
        if reservations is None:
            raise ValueError("server.build needs VMID reservations")
        return BuildAction(px, config, reservations)
    try:
        return _SIMPLE[kind](px, config)
    except KeyError:
        raise ActionError(f"unknown action {kind!r}; known: {', '.join(KINDS)}") from None
