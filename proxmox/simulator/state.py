"""The simulated cluster: nodes, storages with volumes, VMs, and the task table.

Mirrors what Proxmox keeps on disk: a VM is its config file (``/etc/pve/nodes/<node>/
qemu-server/<vmid>.conf``, whose SHA1 is the ``digest``) with a ``[PENDING]`` section and the
``[special:cloudinit]`` record of what the cloud-init drive was generated from; a volume
belongs to one storage, which is per node unless shared.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from proxmox.simulator import propstr
from proxmox.simulator.clock import Clock
from proxmox.simulator.params import ApiError, fail
from proxmox.simulator.tasks import Task, TaskTable

GiB = 1024**3
Value = str | int
CLOUDINIT_KEYS = ("ciuser", "cipassword", "sshkeys", "nameserver", "searchdomain", "citype",
                  "ciupgrade", "cicustom")  # fmt: skip


def is_cloudinit_key(key: str) -> bool:
    return key in CLOUDINIT_KEYS or (key.startswith("ipconfig") and key[8:].isdigit())


@dataclass
class Node:
    name: str
    maxcpu: int = 16
    maxmem: int = 128 * GiB
    maxdisk: int = 100 * GiB
    boot_time: float = 0.0
    online: bool = True

    def pstart(self, now: float) -> int:
        """Clock ticks since boot (USER_HZ 100), as in a UPID's pstart."""
        return max(1, int((now - self.boot_time) * 100))


@dataclass
class Volume:
    volid: str
    size: int
    vmid: int | None
    content: str = "images"
    format: str = "raw"
    ctime: int = 0
    notes: str | None = None
    protected: bool = False
    config: dict[str, Value] | None = None  # a backup's copy of the guest config

    @property
    def storage(self) -> str:
        return self.volid.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.volid.split(":", 1)[1]


@dataclass
class Storage:
    name: str
    type: str  # lvmthin | dir
    content: tuple[str, ...]
    total: int
    shared: bool = False
    path: str = ""
    prune_keep_last: int | None = None  # the storage's prune-backups (keep-last=N)
    volumes: dict[str, Volume] = field(default_factory=dict)

    @property
    def used(self) -> int:
        return sum(v.size for v in self.volumes.values())


@dataclass
class Vm:
    vmid: int
    node: str
    config: dict[str, Value]
    pending: dict[str, Value] = field(default_factory=dict)
    pending_delete: list[str] = field(default_factory=list)
    status: str = "stopped"
    started_at: float | None = None
    ci_applied: dict[str, Value] = field(default_factory=dict)
    agent_up: bool = True
    guest_passwords: dict[str, str] = field(default_factory=dict)

    @property
    def lock(self) -> str | None:
        value = self.config.get("lock")
        return str(value) if value else None

    @property
    def running(self) -> bool:
        """Running or paused: the QEMU process exists (``status`` reads "running")."""
        return self.status != "stopped"

    def apply_pending(self) -> None:
        """What a cold start does: pending values and deletions become the config."""
        self.config.update(self.pending)
        for key in self.pending_delete:
            self.config.pop(key, None)
        self.pending.clear()
        self.pending_delete.clear()

    def regenerate_cloudinit(self) -> None:
        """Record the cloud-init values the drive is now generated from."""
        self.ci_applied = {k: v for k, v in self.config.items() if is_cloudinit_key(k)}

    def file_text(self) -> str:
        """The config file as Proxmox writes it; its SHA1 is the digest."""
        lines = [f"{k}: {v}" for k, v in sorted(self.config.items())]
        if self.pending or self.pending_delete:
            lines += ["", "[PENDING]"]
            lines += [f"{k}: {v}" for k, v in sorted(self.pending.items())]
            if self.pending_delete:
                lines.append(f"delete: {','.join(self.pending_delete)}")
        if self.ci_applied:
            lines += ["", "[special:cloudinit]"]
            lines += [f"{k}: {v}" for k, v in sorted(self.ci_applied.items())]
        return "\n".join(lines) + "\n"

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.file_text().encode(), usedforsecurity=False).hexdigest()

    def disks(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.config.items() if propstr.is_disk_key(k)}

    def check_lock(self) -> None:
        if self.lock:
            raise fail(f"VM is locked ({self.lock})")


class World:
    """Everything the API can see; guarded by the simulator's one lock."""

    def __init__(self, clock: Clock, user: str) -> None:
        self.clock = clock
        self.user = user
        self.nodes: dict[str, Node] = {}
        self.storages: dict[tuple[str, str], Storage] = {}
        self.vms: dict[int, Vm] = {}
        self.tasks = TaskTable(clock)
        self.cluster_name = "jotunheim-sim"

    def add_storage(self, storage: Storage, nodes: list[str]) -> None:
        for node in nodes:
            self.storages[(node, storage.name)] = storage

    def node(self, name: str) -> Node:
        """The node a request is proxied to: unknown names fail like a DNS lookup."""
        node = self.nodes.get(name)
        if node is None:
            raise fail(
                f"hostname lookup '{name}' failed - failed to get address info for: "
                f"{name}: Name or service not known"
            )
        if not node.online:
            raise ApiError(595, "Connection refused")
        return node

    def vm(self, node: str, vmid: int) -> Vm:
        self.node(node)
        vm = self.vms.get(vmid)
        if vm is None or vm.node != node:
            raise fail(f"Configuration file 'nodes/{node}/qemu-server/{vmid}.conf' does not exist")
        return vm

    def storage(self, node: str, name: str) -> Storage:
        storage = self.storages.get((node, name))
        if storage is None:
            raise fail(f"storage '{name}' does not exist")
        return storage

    def storages_on(self, node: str) -> list[Storage]:
        return [s for (n, _), s in self.storages.items() if n == node]

    def volume(self, volid: str, node: str) -> Volume | None:
        storage = self.storages.get((node, volid.split(":", 1)[0]))
        return storage.volumes.get(volid) if storage else None

    def allocate(
        self,
        node: str,
        storage_name: str,
        vmid: int,
        size: int,
        suffix: str = "",
        prefix: str = "vm",
    ) -> str:
        """A new image volume ``<storage>:vm-<vmid>-disk-<n>`` (or ``-cloudinit``, ``base-``)."""
        storage = self.storage(node, storage_name)
        if "images" not in storage.content:
            raise fail(f"storage '{storage_name}' does not support content-type 'images'")
        name = f"vm-{vmid}-{suffix}" if suffix else self._free_disk_name(storage, vmid, prefix)
        volid = f"{storage_name}:{name}"
        storage.volumes[volid] = Volume(volid, size, vmid, ctime=int(self.clock.now()))
        return volid

    def _free_disk_name(self, storage: Storage, vmid: int, prefix: str) -> str:
        index = 0
        taken = {v.split(":", 1)[1] for v in storage.volumes}
        while f"vm-{vmid}-disk-{index}" in taken or f"base-{vmid}-disk-{index}" in taken:
            index += 1
        return f"{prefix}-{vmid}-disk-{index}"

    def free(self, node: str, volid: str) -> None:
        storage = self.storages.get((node, volid.split(":", 1)[0]))
        if storage is not None:
            storage.volumes.pop(volid, None)

    def next_free_vmid(self) -> int:
        vmid = 100
        while vmid in self.vms:
            vmid += 1
        return vmid

    def start_task(self, node: str, task_type: str, task_id: str, **kw: Any) -> Task:
        pstart = self.nodes[node].pstart(self.clock.now())
        return self.tasks.start(
            node=node, pstart=pstart, task_type=task_type, task_id=task_id, user=self.user, **kw
        )

    def settle(self) -> None:
        self.tasks.settle()
