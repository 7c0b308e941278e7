"""Disk resize (a task since qemu-server 8.0), cloud-init drive, guest-agent password.

Resize checks everything inside the task: digest, lock, the disk, CD-ROMs, and shrinking
("shrinking disks is not supported"); ``+N`` grows relative to the current size.
"""

from __future__ import annotations

from typing import Any

from proxmox.simulator import propstr
from proxmox.simulator.handlers.config import masked
from proxmox.simulator.params import b, fail, s
from proxmox.simulator.routing import Req, Route
from proxmox.simulator.schema import DISK_ENUM, NODE_VMID
from proxmox.simulator.state import Value, Vm, World, is_cloudinit_key
from proxmox.simulator.tasks import TaskFailed


def resize(w: World, r: Req) -> Any:
    vm = w.vm(r.p["node"], r.p["vmid"])
    disk = str(r.p["disk"])
    error = _resize_problem(vm, r.p, disk)
    grow, amount = propstr.parse_size(str(r.p["size"]))
    old = propstr.drive_size(str(vm.config.get(disk, ""))) if error is None else 0
    new = old + amount if grow else amount
    if error is None and new < old:
        error = "shrinking disks is not supported"

    def done() -> list[str] | None:
        if new == old:
            return None
        drive = str(vm.config.get(disk, ""))
        if not drive:
            raise TaskFailed(f"disk '{disk}' does not exist")
        vm.config[disk] = propstr.with_drive(drive, size=new)
        volume = w.volume(propstr.drive_volume(drive), vm.node)
        if volume is not None:
            volume.size = new
        name = propstr.drive_volume(drive).split(":", 1)[-1]
        return [
            f"  Size of logical volume pve/{name} changed from {_gib(old)} to {_gib(new)}.",
            f"  Logical volume pve/{name} successfully resized.",
        ]

    return w.start_task(vm.node, "resize", str(vm.vmid), on_done=done, error=error).text


def _resize_problem(vm: Vm, p: dict[str, Any], disk: str) -> str | None:
    if p.get("digest") and p["digest"] != vm.digest:
        return "checksum mismatch (file change by other user?)"
    if vm.lock and not p.get("skiplock"):
        return f"VM is locked ({vm.lock})"
    drive = vm.config.get(disk)
    if drive is None:
        return f"disk '{disk}' does not exist"
    if propstr.is_cdrom(str(drive)):
        return "you can't resize a cdrom"
    return None


def _gib(size: int) -> str:
    return f"{size / 1024**3:.2f} GiB ({size // (4 * 1024**2)} extents)"


def cloudinit_pending(w: World, r: Req) -> Any:
    """What the drive was generated from (``value``) against the config (``pending``)."""
    vm = w.vm(r.p["node"], r.p["vmid"])
    current: dict[str, Value] = {k: v for k, v in vm.config.items() if is_cloudinit_key(k)}
    items: list[dict[str, Any]] = []
    for key in sorted(set(current) | set(vm.ci_applied)):
        item: dict[str, Any] = {"key": key}
        if key in vm.ci_applied:
            item["value"] = masked(key, vm.ci_applied[key])
        if key in current and current[key] != vm.ci_applied.get(key):
            item["pending"] = masked(key, current[key])
        if key in vm.ci_applied and key not in current:
            item["delete"] = 1
        items.append(item)
    return items


def cloudinit_regenerate(w: World, r: Req) -> Any:
    vm = w.vm(r.p["node"], r.p["vmid"])
    vm.check_lock()
    if any("cloudinit" in drive for drive in vm.disks().values()):
        vm.regenerate_cloudinit()
    return None


def set_user_password(w: World, r: Req) -> Any:
    """The order of qemu-server's ``agent_available`` checks, then QGA's empty answer."""
    vm = w.vm(r.p["node"], r.p["vmid"])
    agent = propstr.parse(str(vm.config.get("agent", "0")), "enabled")
    if agent.get("enabled") != "1":
        raise fail("No QEMU guest agent configured")
    if not vm.running:
        raise fail(f"VM {vm.vmid} is not running")
    if not vm.agent_up:
        raise fail("QEMU guest agent is not running")
    vm.guest_passwords[str(r.p["username"])] = str(r.p["password"])
    return {"result": {}}


ROUTES = (
    Route("PUT", "/nodes/{node}/qemu/{vmid}/resize",
          {**NODE_VMID, "disk": s(enum=DISK_ENUM).required(),
           "size": s(pattern=r"\+?\d+(\.\d+)?[KMGT]?").required(),
           "digest": s(max_length=40), "skiplock": b()},
          resize, ("/vms/{vmid}", "VM.Config.Disk")),
    Route("GET", "/nodes/{node}/qemu/{vmid}/cloudinit", NODE_VMID, cloudinit_pending,
          ("/vms/{vmid}", "VM.Audit")),
    Route("PUT", "/nodes/{node}/qemu/{vmid}/cloudinit", NODE_VMID, cloudinit_regenerate,
          ("/vms/{vmid}", "VM.Config.Cloudinit")),
    Route("POST", "/nodes/{node}/qemu/{vmid}/agent/set-user-password",
          {**NODE_VMID, "username": s().required(), "password": s(max_length=1024).required(),
           "crypted": b()},
          set_user_password, ("/vms/{vmid}", "VM.Config.Options")),
)  # fmt: skip
