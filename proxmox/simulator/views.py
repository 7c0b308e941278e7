"""Read-only shapes of VMs, nodes and storages as the list and status endpoints return them.

Units as on a real server: ``mem``/``maxmem``/``disk``/``maxdisk`` in bytes, ``cpu`` a
fraction 0..1, booleans 0/1, optional keys (``lock``, ``tags``, ``pid``) only when set.
"""

from __future__ import annotations

from typing import Any

from proxmox.simulator import propstr
from proxmox.simulator.state import GiB, Node, Storage, Vm

MiB = 1024**2
BOOT_ORDER = ("scsi0", "virtio0", "sata0", "ide0")
_FINGERPRINT = ":".join(["5A"] * 32)


def memory_mib(config: dict[str, Any]) -> int:
    raw = str(config.get("memory", "512"))
    return int(propstr.parse(raw, "current").get("current", "512"))


def cpus(config: dict[str, Any]) -> int:
    if "vcpus" in config:
        return int(config["vcpus"])
    return int(config.get("cores", 1)) * int(config.get("sockets", 1))


def boot_disk_size(vm: Vm) -> int:
    disks = vm.disks()
    for key in BOOT_ORDER:
        if key in disks and not propstr.is_cdrom(disks[key]):
            return propstr.drive_size(disks[key])
    return 0


def _usage(vm: Vm, now: float) -> dict[str, Any]:
    maxmem = memory_mib(vm.config) * MiB
    if not vm.running:
        return {"cpu": 0, "mem": 0, "uptime": 0, "netin": 0, "netout": 0,
                "diskread": 0, "diskwrite": 0, "maxmem": maxmem}  # fmt: skip
    uptime = max(0, int(now - (vm.started_at or now)))
    return {
        "cpu": round(0.015 + (vm.vmid % 7) / 100, 6),
        "mem": int(maxmem * 0.37),
        "uptime": uptime,
        "netin": 1200 * uptime + 4096,
        "netout": 300 * uptime + 1024,
        "diskread": 4096 * uptime + 650_000_000,
        "diskwrite": 2048 * uptime + 120_000_000,
        "maxmem": maxmem,
        "pid": 10_000 + vm.vmid,
    }


def vm_common(vm: Vm, now: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "vmid": vm.vmid,
        "status": "running" if vm.running else "stopped",  # paused VMs read "running"
        "cpus": cpus(vm.config),
        "maxdisk": boot_disk_size(vm),
        "disk": 0,
        **_usage(vm, now),
    }
    if "name" in vm.config:
        out["name"] = vm.config["name"]
    if vm.config.get("tags"):
        out["tags"] = vm.config["tags"]
    if vm.lock:
        out["lock"] = vm.lock
    if vm.config.get("template"):
        out["template"] = 1
    return out


def vm_list_entry(vm: Vm, now: float) -> dict[str, Any]:
    """``GET /nodes/{node}/qemu``."""
    return vm_common(vm, now)


def vm_status(vm: Vm, now: float) -> dict[str, Any]:
    """``GET .../status/current``."""
    out = vm_common(vm, now)
    out["qmpstatus"] = vm.status
    out["ha"] = {"managed": 0}
    agent = propstr.parse(str(vm.config["agent"]), "enabled") if "agent" in vm.config else {}
    if agent.get("enabled") == "1":
        out["agent"] = 1
    if vm.running:
        out["running-machine"] = "pc-i440fx-9.2+pve1"
        out["running-qemu"] = "9.2.0"
        out["balloon"] = out["maxmem"]
        out["freemem"] = out["maxmem"] - out["mem"]
    return out


def vm_resource(vm: Vm, now: float) -> dict[str, Any]:
    """A ``type=qemu`` entry of ``/cluster/resources``."""
    out = vm_common(vm, now)
    out.pop("cpus")
    out.update(id=f"qemu/{vm.vmid}", type="qemu", node=vm.node, maxcpu=cpus(vm.config))
    out["template"] = 1 if vm.config.get("template") else 0
    return out


def node_entry(node: Node, now: float, mem_used: int) -> dict[str, Any]:
    """A ``/nodes`` entry (also the ``type=node`` resource, with ``cgroup-mode``)."""
    out: dict[str, Any] = {"node": node.name, "id": f"node/{node.name}", "type": "node"}
    if not node.online:
        out["status"] = "offline"
        return out
    out.update(
        status="online",
        cpu=0.031,
        maxcpu=node.maxcpu,
        mem=mem_used + 3 * GiB,
        maxmem=node.maxmem,
        disk=9 * GiB,
        maxdisk=node.maxdisk,
        uptime=int(now - node.boot_time),
        level="",
        ssl_fingerprint=_FINGERPRINT,
    )
    return out


def storage_resource(node: str, storage: Storage) -> dict[str, Any]:
    return {
        "id": f"storage/{node}/{storage.name}",
        "type": "storage",
        "storage": storage.name,
        "node": node,
        "status": "available",
        "plugintype": storage.type,
        "content": ",".join(storage.content),
        "shared": 1 if storage.shared else 0,
        "disk": storage.used,
        "maxdisk": storage.total,
    }


def storage_entry(storage: Storage) -> dict[str, Any]:
    """A ``GET /nodes/{node}/storage`` entry."""
    used = storage.used
    return {
        "storage": storage.name,
        "type": storage.type,
        "content": ",".join(storage.content),
        "active": 1,
        "enabled": 1,
        "shared": 1 if storage.shared else 0,
        "total": storage.total,
        "used": used,
        "avail": storage.total - used,
        "used_fraction": round(used / storage.total, 6) if storage.total else 0,
    }
