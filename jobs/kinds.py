"""Job kinds: which function runs a ``JobRequest.kind``, on which queue, and which Action
does the work. The command layer only needs ``KINDS`` (through ``RqJobQueue``); workers
get their Action factories from ``action_factories()``, imported lazily so that the bot
process never imports the Actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from jobs.config import Priority

if TYPE_CHECKING:
    from jobs.context import ActionFactory


@dataclass(frozen=True)
class JobKind:
    function: str
    priority: Priority = "default"
    mutating: bool = True


KINDS: Mapping[str, JobKind] = MappingProxyType(
    {
        "server.build": JobKind("jobs.server.build"),
        "server.delete": JobKind("jobs.server.delete"),
        "server.rebuild": JobKind("jobs.server.rebuild"),
        "server.resize": JobKind("jobs.server.resize"),
        "server.password": JobKind("jobs.server.password"),
        "server.power": JobKind("jobs.server.power"),
        "server.status": JobKind("jobs.server.status", "high", mutating=False),
        # Setting an owner tag needs no job function of its own: the chain runner is enough.
        "server.assign": JobKind("jobs.chain.runner.start"),
        "task.status": JobKind("jobs.task.task_status", "high", mutating=False),
        "backup.create": JobKind("jobs.backup.create", "low"),
        "backup.restore": JobKind("jobs.backup.restore"),
        "backup.delete": JobKind("jobs.backup.delete"),
        "backup.list": JobKind("jobs.backup.list_backups", "high", mutating=False),
        "node.status": JobKind("jobs.node.node_status", "high", mutating=False),
        "node.sync_inventory": JobKind("jobs.node.sync_inventory", "low", mutating=False),
    }
)


def action_factories() -> dict[str, ActionFactory]:
    """kind -> Action factory for the Actions that exist (see ``jobs.wiring``)."""
    from jobs.wiring import real_action_factories  # noqa: PLC0415 (workers only)

    return real_action_factories()
