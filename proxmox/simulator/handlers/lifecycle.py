"""Clone, convert to template, destroy.

Clone checks synchronously (newid free, source not locked, local storage stays on its node),
then both VMs carry ``lock: clone`` while the task copies the disks; a failed clone removes
the half-made VM. Destroy refuses a running VM at once ("VM 101 is running - destroy
failed"); lock and protection are checked in the task.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from proxmox.simulator import propstr
from proxmox.simulator.params import b, fail, i, s
from proxmox.simulator.routing import Req, Route
from proxmox.simulator.schema import DISK_ENUM, NODE_VMID, OPT_VMID, STORAGE_ID, VM_OPTIONS
from proxmox.simulator.state import Vm, World


def new_identity(config: dict[str, Any], vmid: int) -> None:
    """A copy of a guest gets its own MACs, SMBIOS UUID and generation id, like a clone."""
    for key, value in list(config.items()):
        if key.startswith("net"):
            props = propstr.parse(str(value))
            for model in ("virtio", "e1000", "e1000e", "rtl8139", "vmxnet3"):
                if model in props:
                    props[model] = _mac(vmid, key)
            config[key] = propstr.render(props)
    config["smbios1"] = f"uuid={uuid.uuid4()}"
    config["vmgenid"] = str(uuid.uuid4())


def _mac(vmid: int, key: str) -> str:
    tail = f"{vmid:06X}"[-6:]
    return f"BC:24:{tail[0:2]}:{tail[2:4]}:{tail[4:6]}:{int(key[3:] or 0):02X}"


def copy_progress(disks: list[tuple[str, str, int]], linked: bool) -> Any:
    """``transferred X of Y (p%)`` lines per disk, as a function of the task's progress."""
    total = sum(size for _, _, size in disks) or 1

    def lines(done: float) -> list[str]:
        out: list[str] = []
        budget = done * total
        for key, volid, size in disks:
            kind = "linked" if linked else "full"
            out.append(f"create {kind} clone of drive {key} ({volid})")
            if linked or budget <= 0:
                continue
            share = min(1.0, budget / size) if size else 1.0
            for step in range(0, int(share * 100) + 1, 5):
                out.append(
                    f"transferred {propstr.human(size * step / 100)} of "
                    f"{propstr.human(size)} ({step:.2f}%)"
                )
            budget -= size
        return out

    return lines


def clone(w: World, r: Req) -> Any:
    src = w.vm(r.p["node"], r.p["vmid"])
    newid = int(r.p["newid"])
    target = str(r.p.get("target") or src.node)
    w.node(target)
    if newid in w.vms:
        raise fail(f"VM {newid} already exists on node '{w.vms[newid].node}'")
    src.check_lock()
    is_template = bool(src.config.get("template"))
    full = bool(r.p.get("full", not is_template))
    disks = {k: d for k, d in src.disks().items() if not propstr.is_cdrom(d)}
    _clone_checks(w, src, r.p, full, target, disks)
    config = copy.deepcopy(src.config)
    for key in ("template", "lock", *disks):
        config.pop(key, None)
    config["name"] = str(r.p.get("name") or f"Copy-of-VM-{src.config.get('name', src.vmid)}")
    if "description" in r.p:
        config["description"] = r.p["description"]
    new_identity(config, newid)
    new = Vm(newid, target, {**config, "lock": "clone"})
    w.vms[newid] = new
    src.config["lock"] = "clone"
    plan = [(k, propstr.drive_volume(d), propstr.drive_size(d)) for k, d in disks.items()]

    def done() -> list[str] | None:
        for key, drive in disks.items():
            storage = str(r.p.get("storage") or propstr.drive_volume(drive).split(":")[0])
            volid = w.allocate(target, storage, newid, propstr.drive_size(drive))
            new.config[key] = propstr.with_drive(drive, volume=volid)
        _recreate_cloudinit(w, src, new)
        new.config.pop("lock", None)
        src.config.pop("lock", None)
        return None

    def failed() -> None:
        w.vms.pop(newid, None)
        src.config.pop("lock", None)

    progress = copy_progress(plan, linked=not full)
    task = w.start_task(
        src.node, "qmclone", str(src.vmid), progress=progress, on_done=done, on_fail=failed
    )
    return task.text


def _clone_checks(
    w: World, src: Vm, p: dict[str, Any], full: bool, target: str, disks: dict[str, str]
) -> None:
    if p.get("storage") and not full:
        raise fail("parameter 'storage' not allowed for linked clones")
    if not full and not src.config.get("template"):
        raise fail(f"Linked clone feature is not supported for drive '{next(iter(disks))}'")
    storages = {propstr.drive_volume(d).split(":")[0] for d in disks.values()}
    shared = all(w.storage(src.node, name).shared for name in storages)
    if target != src.node and not shared:
        raise fail(f"can't clone VM to node '{target}' (VM uses local storage)")
    for name in {p["storage"]} if p.get("storage") else storages:
        if "images" not in w.storage(target, str(name)).content:
            raise fail(f"storage '{name}' does not support content-type 'images'")


def _recreate_cloudinit(w: World, src: Vm, new: Vm) -> None:
    for key, drive in src.disks().items():
        if "cloudinit" in drive:
            storage = propstr.drive_volume(drive).split(":")[0]
            volid = w.allocate(new.node, storage, new.vmid, 4 * 1024**2, suffix="cloudinit")
            new.config[key] = f"{volid},media=cdrom"


def destroy(w: World, r: Req) -> Any:
    vm = w.vm(r.p["node"], r.p["vmid"])
    if vm.running:
        raise fail(f"VM {vm.vmid} is running - destroy failed")
    error = None
    if vm.lock and not r.p.get("skiplock"):
        error = f"VM is locked ({vm.lock})"
    elif vm.config.get("protection"):
        error = f"can't remove VM {vm.vmid} - protection mode enabled"

    def done() -> list[str] | None:
        volids = [propstr.drive_volume(d) for d in vm.disks().values() if not _is_iso(d)]
        volids += [str(v) for k, v in vm.config.items() if k.startswith("unused")]
        if r.p.get("destroy-unreferenced-disks"):
            volids += [
                v.volid
                for storage in w.storages_on(vm.node)
                for v in storage.volumes.values()
                if v.vmid == vm.vmid and v.content == "images" and v.volid not in volids
            ]
        for volid in volids:
            w.free(vm.node, volid)
        w.vms.pop(vm.vmid, None)
        return [f'  Logical volume "{v.split(":")[-1]}" successfully removed.' for v in volids]

    return w.start_task(vm.node, "qmdestroy", str(vm.vmid), on_done=done, error=error).text


def _is_iso(drive: str) -> bool:
    return propstr.is_cdrom(drive) and "cloudinit" not in drive


def template(w: World, r: Req) -> Any:
    vm = w.vm(r.p["node"], r.p["vmid"])
    vm.check_lock()
    error = None
    if vm.config.get("template"):
        error = "you can't convert a template to a template"
    elif vm.running:
        error = "you can't convert a VM to template if VM is running"

    def done() -> list[str] | None:
        lines = []
        for key, drive in vm.disks().items():
            old = propstr.drive_volume(drive)
            if propstr.is_cdrom(drive) or ":vm-" not in old:
                continue
            base = old.replace(":vm-", ":base-", 1)
            volume = w.volume(old, vm.node)
            w.free(vm.node, old)
            if volume is not None:
                volume.volid = base
                w.storage(vm.node, volume.storage).volumes[base] = volume
            vm.config[key] = propstr.with_drive(drive, volume=base)
            lines.append(f'  Renamed "{old.split(":")[1]}" to "{base.split(":")[1]}"')
        vm.config["template"] = 1
        return lines

    return w.start_task(vm.node, "qmtemplate", str(vm.vmid), on_done=done, error=error).text


ROUTES = (
    Route("POST", "/nodes/{node}/qemu/{vmid}/clone",
          {**NODE_VMID, "newid": OPT_VMID.required(), "name": VM_OPTIONS["name"], "target": s(),
           "storage": STORAGE_ID, "full": b(), "description": s(), "pool": s(),
           "format": s(enum=("raw", "qcow2", "vmdk")), "snapname": s(max_length=40),
           "bwlimit": i(minimum=0)},
          clone, ("/vms/{vmid}", "VM.Clone")),
    Route("DELETE", "/nodes/{node}/qemu/{vmid}",
          {**NODE_VMID, "purge": b(), "destroy-unreferenced-disks": b(), "skiplock": b()},
          destroy, ("/vms/{vmid}", "VM.Allocate")),
    Route("POST", "/nodes/{node}/qemu/{vmid}/template",
          {**NODE_VMID, "disk": s(enum=DISK_ENUM)}, template, ("/vms/{vmid}", "VM.Allocate")),
)  # fmt: skip
