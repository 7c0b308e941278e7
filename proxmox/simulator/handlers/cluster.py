"""Cluster-wide endpoints: version, nodes, node status, resources, nextid."""

from __future__ import annotations

from typing import Any

from proxmox.simulator import views
from proxmox.simulator.params import param_error, s
from proxmox.simulator.routing import Req, Route
from proxmox.simulator.schema import NODE_ONLY, OPT_VMID
from proxmox.simulator.state import World

PVE_VERSION = {"version": "9.1.4", "release": "9.1", "repoid": "5ac30304265fbd8e"}


def version(_w: World, _r: Req) -> Any:
    return dict(PVE_VERSION)


def nodes(w: World, _r: Req) -> Any:
    now = w.clock.now()
    return [views.node_entry(n, now, _mem_used(w, n.name)) for n in w.nodes.values()]


def _mem_used(w: World, node: str) -> int:
    now = w.clock.now()
    on_node = [vm for vm in w.vms.values() if vm.node == node and vm.running]
    return sum(views.vm_common(vm, now)["mem"] for vm in on_node)


def node_status(w: World, r: Req) -> Any:
    node = w.node(r.p["node"])
    now = w.clock.now()
    used = _mem_used(w, node.name) + 3 * 1024**3
    return {
        "uptime": int(now - node.boot_time),
        "cpu": 0.031,
        "wait": 0.0004,
        "idle": 0,
        "loadavg": ["0.42", "0.37", "0.30"],
        "kversion": "Linux 6.14.11-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4 (2025-10-10T08:04Z)",
        "pveversion": f"pve-manager/{PVE_VERSION['version']}/{PVE_VERSION['repoid']}",
        "cpuinfo": {
            "model": "AMD EPYC 7313P 16-Core Processor",
            "sockets": 1,
            "cores": node.maxcpu // 2,
            "cpus": node.maxcpu,
            "mhz": "3000.000",
            "hvm": "1",
            "user_hz": 100,
            "flags": "fpu vme de pse tsc msr pae mce cx8 apic sep svm",
        },
        "memory": {
            "total": node.maxmem,
            "used": used,
            "free": node.maxmem - used,
            "available": node.maxmem - used,
        },
        "swap": {"total": 8 * 1024**3, "used": 0, "free": 8 * 1024**3},
        "rootfs": {
            "total": node.maxdisk,
            "used": 9 * 1024**3,
            "free": node.maxdisk - 9 * 1024**3,
            "avail": node.maxdisk - 9 * 1024**3,
        },
        "ksm": {"shared": 0},
        "boot-info": {"mode": "efi", "secureboot": 0},
        "current-kernel": {
            "sysname": "Linux",
            "release": "6.14.11-4-pve",
            "machine": "x86_64",
            "version": "#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4 (2025-10-10T08:04Z)",
        },
    }


def resources(w: World, r: Req) -> Any:
    wanted = r.p.get("type")
    now = w.clock.now()
    out: list[dict[str, Any]] = []
    if wanted in (None, "vm"):
        out += [views.vm_resource(vm, now) for vm in sorted(w.vms.values(), key=_vmid)]
    if wanted in (None, "node"):
        for node in w.nodes.values():
            entry = views.node_entry(node, now, _mem_used(w, node.name))
            entry.pop("ssl_fingerprint", None)
            if node.online:
                entry["cgroup-mode"] = 2
            out.append(entry)
    if wanted in (None, "storage"):
        out += [
            views.storage_resource(node, storage)
            for (node, _), storage in sorted(w.storages.items())
            if w.nodes[node].online
        ]
    return out


def _vmid(vm: Any) -> int:
    return int(vm.vmid)


def nextid(w: World, r: Req) -> Any:
    """The lowest free VMID, as a string like the real server; it reserves nothing."""
    if "vmid" in r.p:
        vmid = int(r.p["vmid"])
        if vmid in w.vms:
            raise param_error({"vmid": f"VM {vmid} already exists"})
        return str(vmid)
    return str(w.next_free_vmid())


ROUTES = (
    Route("GET", "/version", {}, version),
    Route("GET", "/nodes", {}, nodes),
    Route("GET", "/nodes/{node}/status", NODE_ONLY, node_status, ("/nodes/{node}", "Sys.Audit")),
    Route(
        "GET",
        "/cluster/resources",
        {"type": s(enum=("vm", "storage", "node", "sdn"))},
        resources,
    ),
    Route("GET", "/cluster/nextid", {"vmid": OPT_VMID}, nextid),
)
