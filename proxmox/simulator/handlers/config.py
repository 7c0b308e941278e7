"""VM config: GET (pending merged unless ``current=1``), PUT/POST updates, ``/pending``.

An update checks ``digest`` ("checksum mismatch (file change by other user?)") and the lock
("VM is locked (backup)") synchronously. On a stopped VM every change applies at once; on a
running VM only hot-pluggable ones do: cores/sockets never, memory only with the ``memory``
hotplug feature and NUMA; the rest waits in the ``[PENDING]`` section until a cold start.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from proxmox.simulator import propstr
from proxmox.simulator.params import b, fail, lookup, param_error, s
from proxmox.simulator.routing import Req, Route
from proxmox.simulator.schema import CONFIG_POST, CONFIG_UPDATE, NODE_VMID, VM_OPTIONS
from proxmox.simulator.state import Value, Vm, World, is_cloudinit_key

MASK = "**********"
CONTROL_KEYS = frozenset(
    {"node", "vmid", "digest", "delete", "revert", "skiplock", "force", "background_delay"}
)
FAST_PLUG = frozenset(
    {"name", "tags", "description", "onboot", "protection", "lock", "shares", "startup",
     "balloon", "cpulimit", "cpuunits", "hookscript", "vmstatestorage"}
)  # fmt: skip
_NEW_DISK = re.compile(r"^(?P<storage>[a-zA-Z][\w\-.]*):(?P<gib>\d+(?:\.\d+)?)$")


def masked(key: str, value: Value) -> Value:
    return MASK if key == "cipassword" and value else value


def get_config(w: World, r: Req) -> Any:
    vm = w.vm(r.p["node"], r.p["vmid"])
    if r.p.get("snapshot"):
        raise fail(f"snapshot '{r.p['snapshot']}' does not exist")
    config = dict(vm.config)
    if not r.p.get("current"):
        config.update(vm.pending)
        for key in vm.pending_delete:
            config.pop(key, None)
    out: dict[str, Any] = {k: masked(k, v) for k, v in config.items()}
    out["digest"] = vm.digest
    return out


def pending(w: World, r: Req) -> Any:
    vm = w.vm(r.p["node"], r.p["vmid"])
    items: list[dict[str, Any]] = []
    for key in sorted(set(vm.config) | set(vm.pending) | set(vm.pending_delete)):
        item: dict[str, Any] = {"key": key}
        if key in vm.config:
            item["value"] = masked(key, vm.config[key])
        if key in vm.pending:
            item["pending"] = masked(key, vm.pending[key])
        if key in vm.pending_delete:
            item["delete"] = 1
        items.append(item)
    return items


def put_config(w: World, r: Req) -> Any:
    update(w, r)
    return None


def post_config(w: World, r: Req) -> Any:
    vm = update(w, r)
    return w.start_task(vm.node, "qmconfig", str(vm.vmid)).text


def update(w: World, r: Req) -> Vm:
    """The shared body of PUT and POST config."""
    vm = w.vm(r.p["node"], r.p["vmid"])
    if r.p.get("digest") and r.p["digest"] != vm.digest:
        raise fail("checksum mismatch (file change by other user?)")
    if not r.p.get("skiplock"):
        vm.check_lock()
    changes = {k: v for k, v in r.p.items() if k not in CONTROL_KEYS}
    deletes = propstr.split_list(str(r.p.get("delete", "")))
    both = [k for k in deletes if k in changes]
    if both:
        raise param_error(
            {"delete": f"you can't use '-{both[0]}' and -delete {both[0]}' at the same time"}
        )
    for key in propstr.split_list(str(r.p.get("revert", ""))):
        vm.pending.pop(key, None)
        vm.pending_delete[:] = [k for k in vm.pending_delete if k != key]
    for key, value in changes.items():
        _set(w, vm, key, normalise(w, vm, key, value))
    for key in deletes:
        _delete(w, vm, key)
    return vm


def normalise(w: World, vm: Vm, key: str, value: Any) -> Value:
    spec = lookup(VM_OPTIONS, key)
    if spec is not None and spec.type in {"integer", "boolean"}:
        return int(value)
    text = str(value)
    if key == "memory":
        return propstr.parse(text, "current")["current"]
    if key == "tags":
        return ";".join(propstr.split_tags(text))
    if key == "cipassword":
        # Proxmox stores a crypt hash; only the mask is ever read back.
        return "$5$sim$" + hashlib.sha256(text.encode()).hexdigest()
    if propstr.is_disk_key(key):
        return _allocate_if_new(w, vm, text)
    return text


def _allocate_if_new(w: World, vm: Vm, drive: str) -> str:
    """``local-lvm:10`` means "a new 10 GiB disk on local-lvm", as in the GUI and qm."""
    new = _NEW_DISK.match(propstr.drive_volume(drive))
    if new is None or propstr.is_cdrom(drive):
        return drive
    size = int(float(new["gib"]) * 1024**3)
    volid = w.allocate(vm.node, new["storage"], vm.vmid, size)
    return propstr.with_drive(drive, volume=volid, size=size)


def _hotpluggable(vm: Vm, key: str) -> bool:
    if not vm.running or key in FAST_PLUG or is_cloudinit_key(key):
        return True
    raw = str(vm.config.get("hotplug", "network,disk,usb"))
    features = {"0": set(), "1": {"network", "disk", "usb"}}.get(raw, set(raw.split(",")))
    if key == "memory":
        return "memory" in features and bool(vm.config.get("numa"))
    if key == "vcpus":
        return "cpu" in features
    if re.match(r"^net\d+$", key):
        return "network" in features
    return propstr.is_disk_key(key) and "disk" in features


def _set(_w: World, vm: Vm, key: str, value: Value) -> None:
    if _hotpluggable(vm, key):
        vm.config[key] = value
        vm.pending.pop(key, None)
    else:
        vm.pending[key] = value
    vm.pending_delete[:] = [k for k in vm.pending_delete if k != key]


def _delete(w: World, vm: Vm, key: str) -> None:
    if key not in vm.config and key not in vm.pending:
        return
    if not _hotpluggable(vm, key):
        if key not in vm.pending_delete:
            vm.pending_delete.append(key)
        return
    vm.pending.pop(key, None)
    value = vm.config.pop(key, None)
    if value is not None and propstr.is_disk_key(key) and not propstr.is_cdrom(str(value)):
        _to_unused(vm, propstr.drive_volume(str(value)))
    elif value is not None and "cloudinit" in str(value):
        w.free(vm.node, propstr.drive_volume(str(value)))


def _to_unused(vm: Vm, volid: str) -> None:
    index = 0
    while f"unused{index}" in vm.config:
        index += 1
    vm.config[f"unused{index}"] = volid


ROUTES = (
    Route("GET", "/nodes/{node}/qemu/{vmid}/config",
          {**NODE_VMID, "current": b(), "snapshot": s(max_length=40)}, get_config,
          ("/vms/{vmid}", "VM.Audit")),
    Route("PUT", "/nodes/{node}/qemu/{vmid}/config", CONFIG_UPDATE, put_config,
          ("/vms/{vmid}", "VM.Config.Options")),
    Route("POST", "/nodes/{node}/qemu/{vmid}/config", CONFIG_POST, post_config,
          ("/vms/{vmid}", "VM.Config.Options")),
    Route("GET", "/nodes/{node}/qemu/{vmid}/pending", NODE_VMID, pending,
          ("/vms/{vmid}", "VM.Audit")),
)  # fmt: skip
