"""vzdump backups and VM create/restore (``POST /nodes/{node}/qemu`` with ``archive``).

vzdump locks each guest ``backup`` while it runs and writes
``<storage>:backup/vzdump-qemu-<vmid>-YYYY_MM_DD-HH_MM_SS.vma[.zst|.gz|.lzo]``; unless
``remove=0`` it then prunes older backups by the storage's retention. Restore needs
``force=1`` over an existing VM, which must be stopped; the VM is locked ``create`` meanwhile.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from proxmox.simulator import propstr
from proxmox.simulator.handlers.config import normalise
from proxmox.simulator.handlers.lifecycle import new_identity
from proxmox.simulator.params import fail
from proxmox.simulator.routing import Req, Route
from proxmox.simulator.schema import CREATE, VZDUMP
from proxmox.simulator.state import Storage, Vm, Volume, World
from proxmox.simulator.tasks import TaskFailed

EXTENSIONS = {"0": "", "1": ".lzo", "gzip": ".gz", "lzo": ".lzo", "zstd": ".zst"}


def vzdump(w: World, r: Req) -> Any:
    node = w.node(str(r.p["node"])).name
    storage = w.storage(node, str(r.p.get("storage", "local")))
    if "backup" not in storage.content:
        raise fail(f"storage '{storage.name}' does not support backups")
    wanted = [int(v) for v in propstr.split_list(str(r.p.get("vmid", "")))]
    local = [w.vms[v] for v in wanted if v in w.vms and w.vms[v].node == node]
    skipped = [v for v in wanted if v not in {vm.vmid for vm in local}]
    task_id = str(local[0].vmid) if len(local) == 1 else ""
    now = w.clock.now()
    stamp = time.strftime("%Y_%m_%d-%H_%M_%S", time.gmtime(now))
    ext = "vma" + EXTENSIONS[str(r.p.get("compress", "0"))]
    head = [f"INFO: starting new backup job: vzdump {' '.join(map(str, wanted))}"]
    if skipped:
        head.append(f"INFO: skip external VMs: {' '.join(map(str, skipped))}")
    errors: dict[int, str] = {vm.vmid: f"VM is locked ({vm.lock})" for vm in local if vm.lock}
    for vm in local:
        if vm.vmid not in errors:
            vm.config["lock"] = "backup"

    def done() -> list[str] | None:
        tail: list[str] = []
        for vm in local:
            if vm.vmid in errors:
                tail.append(f"ERROR: Backup of VM {vm.vmid} failed - {errors[vm.vmid]}")
                continue
            volid = f"{storage.name}:backup/vzdump-qemu-{vm.vmid}-{stamp}.{ext}"
            _store_backup(w, r, storage, vm, volid, int(now))
            vm.config.pop("lock", None)
            tail.append(f"INFO: Finished Backup of VM {vm.vmid} (00:00:{int(now) % 60:02d})")
            if r.p.get("remove", 1):
                tail += _prune(storage, vm.vmid)
        if errors:
            raise TaskFailed("job errors")
        return [*tail, "INFO: Backup job finished successfully"]

    def failed() -> None:
        for vm in local:
            if vm.vmid not in errors and vm.lock == "backup":
                vm.config.pop("lock", None)

    task = w.start_task(
        node, "vzdump", task_id, head=head, progress=_dump_progress(local), on_done=done,
        on_fail=failed,
    )  # fmt: skip
    return task.text


def _store_backup(w: World, r: Req, storage: Storage, vm: Vm, volid: str, ctime: int) -> None:
    disk_total = sum(propstr.drive_size(d) for d in vm.disks().values())
    template = r.p.get("notes-template")
    notes = None
    if template:
        notes = (
            str(template)
            .replace("{{guestname}}", str(vm.config.get("name", "")))
            .replace("{{vmid}}", str(vm.vmid))
            .replace("{{node}}", vm.node)
            .replace("{{cluster}}", w.cluster_name)
        )
    config = copy.deepcopy(vm.config)
    config.pop("lock", None)
    storage.volumes[volid] = Volume(
        volid, max(1, disk_total // 27), vm.vmid, content="backup",
        format=volid.rsplit("/", 1)[1].split(".", 1)[1], ctime=ctime, notes=notes,
        protected=bool(r.p.get("protected")), config=config,
    )  # fmt: skip


def _prune(storage: Storage, vmid: int) -> list[str]:
    keep = storage.prune_keep_last
    if keep is None:
        return []
    mine = sorted(
        (v for v in storage.volumes.values() if v.vmid == vmid and v.content == "backup"),
        key=lambda v: (v.ctime, v.volid),
        reverse=True,
    )
    lines = [f"INFO: prune older backups with retention: keep-last={keep}"]
    for old in [v for v in mine if not v.protected][keep:]:
        del storage.volumes[old.volid]
        lines.append(f"INFO: removing backup '{old.volid}'")
    return lines


def _dump_progress(vms: list[Vm]) -> Any:
    def lines(done: float) -> list[str]:
        out: list[str] = []
        for vm in vms:
            size = sum(propstr.drive_size(d) for d in vm.disks().values()) or 1
            out += [f"INFO: Starting Backup of VM {vm.vmid} (qemu)", "INFO: backup mode: snapshot"]
            out += [
                f"INFO: {pct:3d}% ({propstr.human(size * pct / 100)} of {propstr.human(size)}) "
                f"in {pct // 10}s, read: 1.2 GiB/s, write: 98.6 MiB/s"
                for pct in range(0, int(done * 100) + 1, 5)
            ]
        return out

    return lines


def create_or_restore(w: World, r: Req) -> Any:
    node = w.node(str(r.p["node"])).name
    vmid = int(r.p["vmid"])
    if "archive" in r.p:
        return _restore(w, r, node, vmid)
    if vmid in w.vms:
        raise fail(f"unable to create VM {vmid} - VM {vmid} already exists on node '{node}'")
    vm = Vm(vmid, node, {"lock": "create"})
    w.vms[vmid] = vm
    for key, value in r.p.items():
        if key not in CREATE or key in {"node", "vmid", "storage", "force", "unique", "start"}:
            vm.config.setdefault(key, normalise(w, vm, key, value))
    vm.config.setdefault("memory", "512")

    def done() -> list[str] | None:
        vm.config.pop("lock", None)
        return None

    return w.start_task(node, "qmcreate", str(vmid), on_done=done).text


def _restore(w: World, r: Req, node: str, vmid: int) -> Any:
    archive = str(r.p["archive"])
    emsg = f"unable to restore VM {vmid} -"
    existing = w.vms.get(vmid)
    if existing is not None:
        if existing.node != node or not r.p.get("force"):
            raise fail(f"{emsg} VM {vmid} already exists on node '{existing.node}'")
        existing.check_lock()
        if existing.config.get("protection"):
            raise fail(f"{emsg} protection mode enabled")
        if existing.running:
            raise fail(f"{emsg} vm is running")
    backup = w.volume(archive, node)
    if backup is None or backup.config is None:
        raise fail(f"volume '{archive}' does not exist")
    vm = existing or Vm(vmid, node, {})
    w.vms[vmid] = vm
    vm.config["lock"] = "create"
    old = dict(vm.config)

    def done() -> list[str] | None:
        for old_drive in [str(v) for k, v in old.items() if propstr.is_disk_key(k)]:
            if "cloudinit" in old_drive or not propstr.is_cdrom(old_drive):
                w.free(node, propstr.drive_volume(old_drive))
        config = copy.deepcopy(backup.config or {})
        lines = []
        for key, drive in list(config.items()):
            if not propstr.is_disk_key(key) or propstr.is_cdrom(str(drive)):
                continue
            storage = str(r.p.get("storage") or propstr.drive_volume(str(drive)).split(":")[0])
            volid = w.allocate(node, storage, vmid, propstr.drive_size(str(drive)))
            config[key] = propstr.with_drive(str(drive), volume=volid)
            lines.append(f"new volume ID is '{volid}'")
        if r.p.get("unique") or backup.vmid != vmid:
            new_identity(config, vmid)
        vm.config, vm.pending, vm.pending_delete = config, {}, []
        vm.ci_applied = {}
        return [*lines, "rescan volumes..."]

    def failed() -> None:
        if existing is None:
            w.vms.pop(vmid, None)
        else:
            vm.config.pop("lock", None)

    head = [f"restore vma archive: zstd -q -d -c /mnt/pve/{backup.storage}/dump/"
            f"{backup.name.split('/')[-1]} | vma extract -v -r /var/tmp/vzdumptmp.fifo - "
            "/var/tmp/vzdumptmp"]  # noqa: S108 - log text only  # fmt: skip
    return w.start_task(
        node, "qmrestore", str(vmid), head=head, progress=_restore_progress(backup.size),
        on_done=done, on_fail=failed,
    ).text  # fmt: skip


def _restore_progress(size: int) -> Any:
    def lines(done: float) -> list[str]:
        return [
            f"progress {pct}% (read {size * pct // 100} bytes, duration {pct // 10} sec)"
            for pct in range(1, int(done * 100) + 1)
            if pct in (1, 100) or pct % 10 == 0
        ]

    return lines


ROUTES = (
    Route("POST", "/nodes/{node}/vzdump", VZDUMP, vzdump, ("/nodes/{node}", "VM.Backup")),
    Route("POST", "/nodes/{node}/qemu", CREATE, create_or_restore, ("/vms", "VM.Allocate")),
)  # fmt: skip
