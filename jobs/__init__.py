"""The job layer: what the bot and the workers' composition root may use of it.

Other packages use only the names in ``__all__`` (``tests/core/test_exported_members.py``
holds them to it), importing each from the module named here. They load lazily, so a bot
process that reads ``jobs.kinds`` or submits through ``jobs.queue`` never loads the chain
engine, the Actions or the Proxmox client.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ActionFactory": "jobs.context",
    "BusyLocks": "jobs.state.locks",
    "CardRecords": "jobs.state.cards",
    "CLUSTER_LABEL": "jobs.config",
    "ChainState": "jobs.state.chains",
    "DEFAULT_CLUSTER": "jobs.config",
    "InProcessWorker": "jobs.inprocess",
    "Inventory": "jobs.state.inventory",
    "InventoryEntry": "jobs.state.inventory",
    "JobKind": "jobs.kinds",
    "JobQueue": "jobs.queue",
    "JobRequest": "jobs.queue",
    "JobSettings": "jobs.config",
    "JobWaitTimeout": "jobs.inprocess",
    "KINDS": "jobs.kinds",
    "PRIORITIES": "jobs.config",
    "QueueUnavailable": "jobs.queue",
    "RUN_CHAIN": "jobs.kinds",
    "RqJobQueue": "jobs.queue",
    "StepState": "jobs.state.chains",
    "WorkerContext": "jobs.context",
    "chain_progress": "jobs.state.chains",
    "duration": "jobs.chain.wording",
    "fetch_job": "jobs.queue",
    "installed_context": "jobs.context",
    "job_id_for": "jobs.queue",
    "heading": "jobs.kinds",
    "label": "jobs.chain.wording",
    "rq_queue": "jobs.queue",
    "schedule_inventory_sync": "jobs.node",
    "sync_inventory": "jobs.node",
    # modules used whole: the kinds table, the domain modules' Actions, queue statistics
    "backup": "jobs.backup",
    "kinds": "jobs.kinds",
    "server": "jobs.server",
    "stats": "jobs.state.stats",
}

__all__ = [
    "CLUSTER_LABEL",
    "DEFAULT_CLUSTER",
    "KINDS",
    "PRIORITIES",
    "RUN_CHAIN",
    "ActionFactory",
    "BusyLocks",
    "CardRecords",
    "ChainState",
    "InProcessWorker",
    "Inventory",
    "InventoryEntry",
    "JobKind",
    "JobQueue",
    "JobRequest",
    "JobSettings",
    "JobWaitTimeout",
    "QueueUnavailable",
    "RqJobQueue",
    "StepState",
    "WorkerContext",
    "backup",
    "chain_progress",
    "duration",
    "fetch_job",
    "heading",
    "installed_context",
    "job_id_for",
    "kinds",
    "label",
    "rq_queue",
    "schedule_inventory_sync",
    "server",
    "stats",
    "sync_inventory",
]


def __getattr__(name: str) -> Any:
    home = _EXPORTS.get(name)
    if home is None:
        raise AttributeError(f"module 'jobs' has no attribute {name!r}")
    module = importlib.import_module(home)
    return module if home.rpartition(".")[2] == name else getattr(module, name)
