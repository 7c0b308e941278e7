"""The Proxmox VE client (httpx with an injected transport), its one exception tree, the
typed repositories over it, and the simulator that tests and the demo run against.

Other packages use only the names in ``__all__`` (``tests/core/test_exported_members.py``
holds them to it), importing each from the module named here. They load lazily, so a bot
process that reads inventory models never loads the HTTP client.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BackupVolume": "proxmox.models",
    "ClusterRepository": "proxmox.repositories",
    "ClusterResource": "proxmox.models",
    "Disk": "proxmox.models",
    "InvalidUPID": "proxmox.upid",
    "PendingItem": "proxmox.models",
    "Proxmox": "proxmox.repositories",
    "ProxmoxApiException": "proxmox.errors",
    "ProxmoxClient": "proxmox.client",
    "ProxmoxConflict": "proxmox.errors",
    "ProxmoxLocked": "proxmox.errors",
    "ProxmoxNotFound": "proxmox.errors",
    "ProxmoxParameterError": "proxmox.errors",
    "SIM_TOKEN_ID": "proxmox.simulator",
    "SIM_TOKEN_SECRET": "proxmox.simulator",
    "Simulator": "proxmox.simulator",
    "TaskLogLine": "proxmox.models",
    "TaskStatus": "proxmox.models",
    "UPID": "proxmox.upid",
    "VmConfig": "proxmox.models",
    "VmStatus": "proxmox.models",
    "classify_message": "proxmox.errors",
}

__all__ = [
    "SIM_TOKEN_ID",
    "SIM_TOKEN_SECRET",
    "UPID",
    "BackupVolume",
    "ClusterRepository",
    "ClusterResource",
    "Disk",
    "InvalidUPID",
    "PendingItem",
    "Proxmox",
    "ProxmoxApiException",
    "ProxmoxClient",
    "ProxmoxConflict",
    "ProxmoxLocked",
    "ProxmoxNotFound",
    "ProxmoxParameterError",
    "Simulator",
    "TaskLogLine",
    "TaskStatus",
    "VmConfig",
    "VmStatus",
    "classify_message",
]


def __getattr__(name: str) -> Any:
    home = _EXPORTS.get(name)
    if home is None:
        raise AttributeError(f"module 'proxmox' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
