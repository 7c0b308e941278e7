"""Every job kind, declared once: its name, the RQ job function that runs it, its queue and
whether it changes anything. Pure data: the bot imports it (the registry names a kind by
its object here, ``RqJobQueue`` routes by it) without loading anything of the worker.

A kind backed by an Action runs through the chain engine (``RUN_CHAIN``); its Action and
the factory that builds it live in the kind's domain module (``jobs.server``,
``jobs.backup``), and the Action's ``name`` is the kind's name (the worker checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from jobs.config import Priority

# The job function of every Action-backed kind (import paths: RQ stores them as text).
RUN_CHAIN = "jobs.chain.run.start"


@dataclass(frozen=True)
class JobKind:
    name: str
    function: str = RUN_CHAIN
    priority: Priority = "default"
    mutating: bool = True
    title: str = ""  # what people call the operation: "Resize", "Restore backup"

    def __str__(self) -> str:
        return self.name


SERVER_BUILD = JobKind("server.build", title="New server")
SERVER_DELETE = JobKind("server.delete", title="Delete server")
SERVER_REBUILD = JobKind("server.rebuild", title="Rebuild")
SERVER_RESIZE = JobKind("server.resize", title="Resize")
SERVER_PASSWORD = JobKind("server.password", title="New password")
SERVER_POWER = JobKind("server.power", title="Power")
SERVER_STATUS = JobKind("server.status", priority="high", mutating=False, title="Status")
SERVER_ASSIGN = JobKind("server.assign", title="Assign owner")
BACKUP_CREATE = JobKind("backup.create", priority="low", title="Backup")
BACKUP_RESTORE = JobKind("backup.restore", title="Restore backup")
BACKUP_DELETE = JobKind("backup.delete", title="Delete backup")
BACKUP_LIST = JobKind("backup.list", priority="high", mutating=False, title="Backups")
TASK_STATUS = JobKind("task.status", "jobs.task.task_status", "high", mutating=False, title="Task")
NODE_STATUS = JobKind(
    "node.status", "jobs.node.node_status", "high", mutating=False, title="Node status"
)
NODE_SYNC = JobKind(
    "node.sync_inventory", "jobs.node.sync_inventory", "low", mutating=False, title="Inventory sync"
)

KINDS: Mapping[str, JobKind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            SERVER_BUILD,
            SERVER_DELETE,
            SERVER_REBUILD,
            SERVER_RESIZE,
            SERVER_PASSWORD,
            SERVER_POWER,
            SERVER_STATUS,
            SERVER_ASSIGN,
            BACKUP_CREATE,
            BACKUP_RESTORE,
            BACKUP_DELETE,
            BACKUP_LIST,
            TASK_STATUS,
            NODE_STATUS,
            NODE_SYNC,
        )
    }
)


def heading(kind: str, args: Mapping[str, object]) -> str:
    """The operation in words for a request: its kind's title, a power request's verb
    ("Reboot"). The bot names a request it has not queued yet the same way the card will."""
    verb = args.get("action") if kind == SERVER_POWER.name else None
    if isinstance(verb, str):
        return verb.capitalize()
    found = KINDS.get(kind)
    return found.title if found is not None and found.title else kind
