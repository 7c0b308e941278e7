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

    def __str__(self) -> str:
        return self.name


SERVER_BUILD = JobKind("server.build")
SERVER_DELETE = JobKind("server.delete")
SERVER_REBUILD = JobKind("server.rebuild")
SERVER_RESIZE = JobKind("server.resize")
SERVER_PASSWORD = JobKind("server.password")
SERVER_POWER = JobKind("server.power")
SERVER_STATUS = JobKind("server.status", priority="high", mutating=False)
SERVER_ASSIGN = JobKind("server.assign")
BACKUP_CREATE = JobKind("backup.create", priority="low")
BACKUP_RESTORE = JobKind("backup.restore")
BACKUP_DELETE = JobKind("backup.delete")
BACKUP_LIST = JobKind("backup.list", priority="high", mutating=False)
TASK_STATUS = JobKind("task.status", "jobs.task.task_status", "high", mutating=False)
NODE_STATUS = JobKind("node.status", "jobs.node.node_status", "high", mutating=False)
NODE_SYNC = JobKind("node.sync_inventory", "jobs.node.sync_inventory", "low", mutating=False)

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
