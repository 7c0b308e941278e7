"""Tasks: power, resize, clone, destroy, backup, restore, task list/log/stop, injected outcomes."""

from __future__ import annotations

import re

import pytest

from proxmox import errors
from proxmox.client import ProxmoxClient
from proxmox.simulator import Simulator
from proxmox.upid import UPID


def status(client: ProxmoxClient, upid: str) -> dict[str, object]:
    return client.get(f"/nodes/{UPID.parse(upid).node}/tasks/{upid}/status")  # type: ignore[no-any-return]


def lock_of(sim: Simulator, vmid: int) -> str | None:
    """Read through a call so mypy does not narrow the property across state changes."""
    return sim.vms[vmid].lock


def log(client: ProxmoxClient, upid: str, **page: int) -> list[str]:
    lines = client.get(f"/nodes/{UPID.parse(upid).node}/tasks/{upid}/log", page or None)
    return [line["t"] for line in lines]


def test_upid_format_and_running_status(client: ProxmoxClient, sim: Simulator) -> None:
    upid = client.post("/nodes/pve2/qemu/102/status/start")
    parsed = UPID.parse(upid)
    assert (parsed.node, parsed.type, parsed.id, parsed.user) == (
        "pve2", "qmstart", "102", "jotunheim@pve!sim",
    )  # fmt: skip
    running = status(client, upid)
    assert running["status"] == "running"
    assert "exitstatus" not in running
    assert (running["user"], running["tokenid"]) == ("jotunheim@pve", "sim")
    sim.clock.advance(0.2)
    assert status(client, upid)["exitstatus"] == "OK"
    assert sim.vms[102].running
    assert log(client, upid)[-1] == "TASK OK"


def test_start_of_running_vm_fails_in_the_task(client: ProxmoxClient, sim: Simulator) -> None:
    upid = client.post("/nodes/pve1/qemu/101/status/start")
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "VM 101 already running"
    assert log(client, upid)[-1] == "TASK ERROR: VM 101 already running"


def test_power_on_locked_vm_is_a_task_error(client: ProxmoxClient, sim: Simulator) -> None:
    sim.vms[101].config["lock"] = "backup"
    upid = client.post("/nodes/pve1/qemu/101/status/stop")
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "VM is locked (backup)"
    assert sim.vms[101].running


def test_shutdown_stops(client: ProxmoxClient, sim: Simulator) -> None:
    client.post("/nodes/pve1/qemu/101/status/shutdown", {"timeout": 60})
    sim.finish_tasks()
    assert client.get("/nodes/pve1/qemu/101/status/current")["status"] == "stopped"


@pytest.mark.parametrize(
    ("size", "expected"), [("+8G", "size=40G"), ("48G", "size=48G"), ("33792M", "size=33G")]
)
def test_resize_grows(client: ProxmoxClient, sim: Simulator, size: str, expected: str) -> None:
    upid = client.put("/nodes/pve1/qemu/101/resize", {"disk": "scsi0", "size": size})
    assert UPID.parse(upid).type == "resize"
    assert "size=32G" in str(sim.vms[101].config["scsi0"])  # only when the task ends
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "OK"
    assert expected in str(sim.vms[101].config["scsi0"])


def test_resize_shrink_and_missing_disk_fail_in_task(client: ProxmoxClient, sim: Simulator) -> None:
    shrink = client.put("/nodes/pve1/qemu/101/resize", {"disk": "scsi0", "size": "16G"})
    missing = client.put("/nodes/pve1/qemu/101/resize", {"disk": "scsi3", "size": "+1G"})
    cdrom = client.put("/nodes/pve1/qemu/101/resize", {"disk": "ide2", "size": "+1G"})
    sim.finish_tasks()
    assert status(client, shrink)["exitstatus"] == "shrinking disks is not supported"
    assert status(client, missing)["exitstatus"] == "disk 'scsi3' does not exist"
    assert status(client, cdrom)["exitstatus"] == "you can't resize a cdrom"
    assert "size=32G" in str(sim.vms[101].config["scsi0"])


def test_clone_locks_both_and_logs_progress(client: ProxmoxClient, sim: Simulator) -> None:
    upid = client.post(
        "/nodes/pve1/qemu/9000/clone",
        {"newid": 110, "name": "acme-new", "full": True, "storage": "local-lvm"},
    )
    assert lock_of(sim, 9000) == "clone"
    assert lock_of(sim, 110) == "clone"
    with pytest.raises(errors.ProxmoxLocked, match=r"VM is locked \(clone\)"):
        client.put("/nodes/pve1/qemu/110/config", {"cores": 2})
    with pytest.raises(errors.ProxmoxLocked):
        client.post("/nodes/pve1/qemu/9000/clone", {"newid": 111})
    sim.clock.advance(0.75)
    halfway = log(client, upid)
    assert halfway[0] == "create full clone of drive scsi0 (local-lvm:base-9000-disk-0)"
    assert "transferred 5.0 GiB of 10.0 GiB (50.00%)" in halfway
    assert status(client, upid)["status"] == "running"
    sim.clock.advance(0.75)
    assert status(client, upid)["exitstatus"] == "OK"
    new = sim.vms[110]
    assert lock_of(sim, 110) is None
    assert lock_of(sim, 9000) is None
    assert new.config["name"] == "acme-new"
    assert "template" not in new.config
    assert new.config["scsi0"] == "local-lvm:vm-110-disk-0,discard=on,size=10G"
    assert new.config["net0"] != sim.vms[9000].config["net0"]
    assert log(client, upid)[-1] == "TASK OK"


def test_clone_refusals(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxConflict, match="VM 102 already exists on node 'pve2'"):
        client.post("/nodes/pve1/qemu/9000/clone", {"newid": 102})
    with pytest.raises(errors.ProxmoxServerError, match="VM uses local storage"):
        client.post("/nodes/pve1/qemu/9000/clone", {"newid": 120, "target": "pve2", "full": 1})


def test_failed_clone_removes_the_new_vm(client: ProxmoxClient, sim: Simulator) -> None:
    sim.faults.fail_next_task("qmclone", "storage full")
    upid = client.post("/nodes/pve1/qemu/9001/clone", {"newid": 130, "full": True})
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "storage full"
    assert 130 not in sim.vms
    assert lock_of(sim, 9001) is None
    assert log(client, upid)[-1] == "TASK ERROR: storage full"


def test_injected_warnings(client: ProxmoxClient, sim: Simulator) -> None:
    sim.faults.warn_next_task("qmstart", 2)
    upid = client.post("/nodes/pve2/qemu/102/status/start")
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "WARNINGS: 2"
    assert log(client, upid)[-1] == "TASK WARNINGS: 2"


def test_destroy(client: ProxmoxClient, sim: Simulator) -> None:
    with pytest.raises(errors.ProxmoxServerError, match="VM 101 is running - destroy failed"):
        client.delete("/nodes/pve1/qemu/101")
    sim.vms[102].config["protection"] = 1
    protected = client.delete("/nodes/pve2/qemu/102", {"purge": 1})
    sim.finish_tasks()
    assert (
        status(client, protected)["exitstatus"] == "can't remove VM 102 - protection mode enabled"
    )
    sim.vms[102].config.pop("protection")
    upid = client.delete("/nodes/pve2/qemu/102", {"purge": 1, "destroy-unreferenced-disks": 1})
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "OK"
    assert 102 not in sim.vms
    assert [v for v in sim.volumes("local-lvm", "pve2") if v.vmid == 102] == []


def test_vzdump_locks_then_writes_a_backup_volume(client: ProxmoxClient, sim: Simulator) -> None:
    before = len(sim.backups(101))
    upid = client.post(
        "/nodes/pve1/vzdump",
        {"vmid": "101", "storage": "backup", "mode": "snapshot", "compress": "zstd",
         "remove": 0, "notes-template": "{{guestname}} before resize"},
    )  # fmt: skip
    assert UPID.parse(upid).id == "101"
    assert lock_of(sim, 101) == "backup"
    with pytest.raises(errors.ProxmoxLocked, match=r"VM is locked \(backup\)"):
        client.put("/nodes/pve1/qemu/101/config", {"cores": 2})
    sim.clock.advance(0.45)
    assert any(re.match(r"INFO:  45% \(.* of 32\.0 GiB\)", line) for line in log(client, upid))
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "OK"
    assert lock_of(sim, 101) is None
    backups = client.get("/nodes/pve1/storage/backup/content", {"content": "backup", "vmid": 101})
    assert len(backups) == before + 1
    newest = max(backups, key=lambda b: b["ctime"])
    assert re.fullmatch(
        r"backup:backup/vzdump-qemu-101-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.vma\.zst", newest["volid"]
    )
    assert newest["notes"] == "acme-web before resize"
    assert newest["format"] == "vma.zst"


def test_vzdump_prunes_unless_remove_is_0(client: ProxmoxClient, sim: Simulator) -> None:
    for _ in range(3):
        client.post("/nodes/pve1/vzdump", {"vmid": "101", "storage": "backup", "remove": 0})
        sim.finish_tasks()
        sim.clock.advance(1)
    assert len(sim.backups(101)) == 5
    client.post("/nodes/pve1/vzdump", {"vmid": "101", "storage": "backup"})  # remove defaults to 1
    sim.finish_tasks()
    assert len(sim.backups(101)) == 3  # the storage keeps the last 3


def test_restore_needs_force_and_a_stopped_vm(client: ProxmoxClient, sim: Simulator) -> None:
    archive = sim.backups(101)[0].volid
    with pytest.raises(errors.ProxmoxConflict, match="already exists"):
        client.post("/nodes/pve1/qemu", {"vmid": 101, "archive": archive})
    with pytest.raises(errors.ProxmoxServerError, match="vm is running"):
        client.post("/nodes/pve1/qemu", {"vmid": 101, "archive": archive, "force": 1})
    client.post("/nodes/pve1/qemu/101/status/stop")
    sim.finish_tasks()
    client.put("/nodes/pve1/qemu/101/config", {"cores": 12})
    upid = client.post("/nodes/pve1/qemu", {"vmid": 101, "archive": archive, "force": 1})
    assert UPID.parse(upid).type == "qmrestore"
    assert lock_of(sim, 101) == "create"
    sim.finish_tasks()
    assert status(client, upid)["exitstatus"] == "OK"
    assert sim.vms[101].config["cores"] == 2
    assert lock_of(sim, 101) is None
    assert any(line.startswith("progress 100%") for line in log(client, upid))


def test_task_list_log_paging_and_stop(client: ProxmoxClient, sim: Simulator) -> None:
    upid = client.post("/nodes/pve1/qemu/9000/clone", {"newid": 140})
    assert client.get("/nodes/pve1/tasks") == []  # default source=archive: finished only
    active = client.get("/nodes/pve1/tasks", {"source": "all"})
    assert active[0]["upid"] == upid
    assert active[0]["status"] == "RUNNING"
    sim.clock.advance(1.0)
    assert client.delete(f"/nodes/pve1/tasks/{upid}") is None
    stopped = status(client, upid)
    assert (stopped["status"], stopped["exitstatus"]) == ("stopped", "interrupted by signal")
    assert 140 not in sim.vms
    finished = client.get("/nodes/pve1/tasks", {"vmid": 9000})
    assert finished[0]["status"] == "interrupted by signal"
    assert "exitstatus" not in finished[0]
    lines = log(client, upid)
    assert log(client, upid, start=2, limit=3) == lines[2:5]
    assert lines[-1] == "TASK ERROR: interrupted by signal"


def test_unknown_upid(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxParameterError):
        client.get(
            "/nodes/pve1/tasks/UPID:pve1:00000001:00000001:00000001:qmstart:1:root@pam:/status"
        )


def test_time_scale_and_durations(sim: Simulator) -> None:
    sim.time_scale = 10
    sim.task_durations["qmstart"] = 0.5
    with sim.client() as client:
        upid = client.post("/nodes/pve2/qemu/102/status/start")
        sim.clock.advance(4.9)
        assert status(client, upid)["status"] == "running"
        sim.clock.advance(0.1)
        assert status(client, upid)["exitstatus"] == "OK"


def test_storage_volume_get_and_delete(client: ProxmoxClient, sim: Simulator) -> None:
    volid = sim.backups(103, node="pve3")[0].volid
    info = client.get(f"/nodes/pve3/storage/backup/content/{volid}")
    assert info["format"] == "vma.zst"
    assert info["path"].startswith("/mnt/pve/backup/dump/")
    upid = client.delete(f"/nodes/pve3/storage/backup/content/{volid}")
    assert UPID.parse(upid).id == "103@backup"
    sim.finish_tasks()
    with pytest.raises(errors.ProxmoxNotFound):
        client.get(f"/nodes/pve3/storage/backup/content/{volid}")
    storages = client.get("/nodes/pve1/storage", {"content": "backup"})
    assert {s["storage"] for s in storages} == {"backup", "local"}
