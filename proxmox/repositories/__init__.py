"""Typed repositories over ``ProxmoxClient``, one module per concern, and the facade.

    proxmox = Proxmox(client)
    config = proxmox.config.get("pve1", 101)
    upid = proxmox.disks.resize("pve1", 101, "scsi0", "40G", digest=config.digest)

A call that must start a task returns its ``UPID`` (or raises ``ProxmoxProtocolError``);
every other error is one of ``proxmox.errors``.
"""

from __future__ import annotations

from proxmox.client import ProxmoxClient
from proxmox.repositories.backups import BackupRepository
from proxmox.repositories.cloudinit import CloudInitRepository
from proxmox.repositories.cluster import ClusterRepository
from proxmox.repositories.config import ConfigRepository
from proxmox.repositories.disks import DiskRepository
from proxmox.repositories.power import PowerRepository
from proxmox.repositories.servers import ServerRepository
from proxmox.repositories.storage import StorageRepository
from proxmox.repositories.tasks import TaskRepository

__all__ = [
    "BackupRepository",
    "CloudInitRepository",
    "ClusterRepository",
    "ConfigRepository",
    "DiskRepository",
    "PowerRepository",
    "Proxmox",
    "ServerRepository",
    "StorageRepository",
    "TaskRepository",
]


class Proxmox:
    """All repositories over one client (one keep-alive connection pool)."""

    def __init__(self, client: ProxmoxClient) -> None:
        self.client = client
        self.config = ConfigRepository(client)
        self.disks = DiskRepository(client)
        self.power = PowerRepository(client)
        self.servers = ServerRepository(client)
        self.cloudinit = CloudInitRepository(client)
        self.cluster = ClusterRepository(client)
        self.storage = StorageRepository(client)
        self.backups = BackupRepository(client)
        self.tasks = TaskRepository(client)

    def __repr__(self) -> str:
        return f"Proxmox({self.client!r})"
