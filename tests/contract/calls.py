"""Every public repository method, called with realistic arguments against some target.

``CALLS`` is keyed ``Class.method`` (``#variant`` for a second way to call it); the meta test
checks that the keys cover every public method of every repository on the ``Proxmox`` facade.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import SecretStr

from proxmox.repositories import Proxmox
from proxmox.repositories._base import Repository
from proxmox.upid import UPID


@dataclass(frozen=True)
class Target:
    """The objects the calls work on (a fake's ids, or the simulator's demo fleet)."""

    node: str
    vmid: int
    template: int
    newid: int
    images: str
    backups: str
    backup_volid: str
    upid: UPID


RepositoryCall = Callable[[Proxmox, Target], object]
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT me@x"


def _update(p: Proxmox, t: Target) -> None:
    digest = p.config.get(t.node, t.vmid).digest
    changes = {
        "cores": 2,
        "sockets": 1,
        "memory": 2048,
        "tags": ["owner-acme", "web"],
        "sshkeys": SSH_KEY,
        "ipconfig0": "ip=10.0.0.5/24,gw=10.0.0.1",
        "ciuser": "debian",
        "agent": "enabled=1",
        "onboot": True,
    }
    p.config.update(t.node, t.vmid, changes, digest=digest, delete=["description"])


CALLS: dict[str, RepositoryCall] = {
    "ConfigRepository.get": lambda p, t: p.config.get(t.node, t.vmid),
    "ConfigRepository.get#current": lambda p, t: p.config.get(t.node, t.vmid, current=True),
    "ConfigRepository.update": _update,
    "ConfigRepository.pending": lambda p, t: p.config.pending(t.node, t.vmid),
    "DiskRepository.resize": lambda p, t: p.disks.resize(
        t.node, t.vmid, "scsi0", "64G", digest=p.config.get(t.node, t.vmid).digest
    ),
    "DiskRepository.resize#relative": lambda p, t: p.disks.resize(t.node, t.vmid, "scsi0", "+1G"),
    "PowerRepository.status": lambda p, t: p.power.status(t.node, t.vmid),
    "PowerRepository.start": lambda p, t: p.power.start(t.node, t.vmid),
    "PowerRepository.stop": lambda p, t: p.power.stop(t.node, t.vmid),
    "PowerRepository.shutdown": lambda p, t: p.power.shutdown(t.node, t.vmid),
    "PowerRepository.shutdown#forced": lambda p, t: p.power.shutdown(
        t.node, t.vmid, timeout=30, force_stop=True
    ),
    "PowerRepository.reboot": lambda p, t: p.power.reboot(t.node, t.vmid, timeout=60),
    "PowerRepository.reset": lambda p, t: p.power.reset(t.node, t.vmid),
    "PowerRepository.suspend": lambda p, t: p.power.suspend(t.node, t.vmid),
    "PowerRepository.resume": lambda p, t: p.power.resume(t.node, t.vmid),
    "ServerRepository.list": lambda p, t: p.servers.list(t.node),
    "ServerRepository.clone": lambda p, t: p.servers.clone(
        t.node, t.template, t.newid, name="web-1", storage=t.images, description="acme web"
    ),
    "ServerRepository.clone#linked": lambda p, t: p.servers.clone(
        t.node, t.template, t.newid, full=False, target=t.node
    ),
    "ServerRepository.destroy": lambda p, t: p.servers.destroy(t.node, t.vmid),
    "ServerRepository.restore": lambda p, t: p.servers.restore(
        t.node, t.vmid, t.backup_volid, storage=t.images
    ),
    "ServerRepository.template": lambda p, t: p.servers.template(t.node, t.vmid),
    "CloudInitRepository.regenerate": lambda p, t: p.cloudinit.regenerate(t.node, t.vmid),
    "CloudInitRepository.pending": lambda p, t: p.cloudinit.pending(t.node, t.vmid),
    "CloudInitRepository.set_user_password": lambda p, t: p.cloudinit.set_user_password(
        t.node, t.vmid, "debian", SecretStr("n3w-Passw0rd")
    ),
    "ClusterRepository.next_id": lambda p, t: p.cluster.next_id(),
    "ClusterRepository.next_id#check": lambda p, t: p.cluster.next_id(t.newid),
    "ClusterRepository.resources": lambda p, t: p.cluster.resources(),
    "ClusterRepository.resources#vm": lambda p, t: p.cluster.resources("vm"),
    "ClusterRepository.nodes": lambda p, t: p.cluster.nodes(),
    "ClusterRepository.node_status": lambda p, t: p.cluster.node_status(t.node),
    "ClusterRepository.version": lambda p, t: p.cluster.version(),
    "StorageRepository.list": lambda p, t: p.storage.list(t.node),
    "StorageRepository.list#content": lambda p, t: p.storage.list(t.node, content="backup"),
    "StorageRepository.backups": lambda p, t: p.storage.backups(t.node, t.backups, vmid=t.vmid),
    "StorageRepository.volume": lambda p, t: p.storage.volume(t.node, t.backups, t.backup_volid),
    "StorageRepository.delete_volume": lambda p, t: p.storage.delete_volume(
        t.node, t.backups, t.backup_volid
    ),
    "BackupRepository.create": lambda p, t: p.backups.create(
        t.node, t.vmid, storage=t.backups, notes="{{guestname}} before resize"
    ),
    "BackupRepository.create#stop": lambda p, t: p.backups.create(
        t.node, t.vmid, storage=t.backups, mode="stop", compress="gzip"
    ),
    "TaskRepository.status": lambda p, t: p.tasks.status(t.upid),
    "TaskRepository.log": lambda p, t: p.tasks.log(t.upid, start=0, limit=100),
    "TaskRepository.stop": lambda p, t: p.tasks.stop(t.upid),
    "TaskRepository.list": lambda p, t: p.tasks.list(t.node, vmid=t.vmid, limit=10),
    "TaskRepository.list#adopt": lambda p, t: p.tasks.list(
        t.node, vmid=t.vmid, since=0, source="all", typefilter="qmstart", limit=10
    ),
}


def method_of(key: str) -> str:
    return key.partition("#")[0]


def repository_methods(proxmox: Proxmox) -> set[str]:
    """``Class.method`` for every public method of every repository on the facade."""
    found = set()
    for repository in vars(proxmox).values():
        if not isinstance(repository, Repository):
            continue
        cls = type(repository)
        for name, _ in inspect.getmembers(cls, inspect.isfunction):
            if not name.startswith("_"):
                found.add(f"{cls.__name__}.{name}")
    return found
