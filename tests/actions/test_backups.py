from __future__ import annotations

import pytest

from actions.backup.create import BackupCreateAction, BackupCreateRequest
from actions.backup.delete import BackupDeleteAction, BackupDeleteRequest
from actions.backup.listing import BackupListAction, BackupListRequest
from actions.backup.restore import RestoreAction, RestoreRequest
from actions.base import ActionError
from actions.config import ActionsConfig
from proxmox.errors import ProxmoxLocked
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import run_chain, run_step

OLDER = "backup:backup/vzdump-qemu-101-2025_12_30-00_00_00.vma.zst"
NEWER = "backup:backup/vzdump-qemu-101-2025_12_31-00_00_00.vma.zst"
NO_BACKUP = "backup:backup/vzdump-qemu-102-2025_12_29-00_00_00.vma.zst"
OTHER = "backup:backup/vzdump-qemu-103-2025_12_31-00_00_00.vma.zst"
RESOURCES = ("GET", "/cluster/resources", {"type": "vm"})
CONTENT = ("GET", "/nodes/pve1/storage/backup/content", {"content": "backup", "vmid": "101"})


def test_create_sends_snapshot_zstd_remove_0_and_who_asked(sim: Simulator, px: Proxmox) -> None:
    request = BackupCreateRequest(vmid=101, requested_by="@alice (slack)\n{{secret}}")
    result, calls = run_step(sim, BackupCreateAction(px, ActionsConfig()), request)
    assert calls[-1] == ("POST", "/nodes/pve1/vzdump", {
        "vmid": "101", "storage": "backup", "mode": "snapshot", "compress": "zstd",
        "remove": 0, "notes-template": "requested by @alice (slack) secret via Jotunheim",
    })  # fmt: skip
    assert result.summary == "backup saved (storage backup)"
    backups = sim.backups(101)
    # keep-last=3 on the storage would have pruned one without remove=0.
    assert len(backups) == 3
    assert backups[-1].notes == "requested by @alice (slack) secret via Jotunheim"


def test_create_refuses_a_locked_vm_and_a_missing_storage(sim: Simulator, px: Proxmox) -> None:
    with pytest.raises(ActionError, match=r"storage: backup storage 'nas' is not available"):
        run_step(
            sim,
            BackupCreateAction(px, ActionsConfig(backup_storage="nas")),
            BackupCreateRequest(vmid=101),
        )
    sim.vms[101].config["lock"] = "backup"
    with pytest.raises(ProxmoxLocked) as caught:
        run_step(sim, BackupCreateAction(px, ActionsConfig()), BackupCreateRequest(vmid=101))
    assert caught.value.lock == "backup"
    assert all(c.method == "GET" for c in sim.calls)


def test_list_shows_only_this_vms_backups_newest_first(sim: Simulator, px: Proxmox) -> None:
    result, calls = run_step(
        sim, BackupListAction(px, ActionsConfig()), BackupListRequest(vmid=101)
    )
    assert calls == [RESOURCES, CONTENT]
    assert [row["volid"] for row in result.context["backups"]] == [NEWER, OLDER]
    # By when each was taken, with the id chat takes it by (its time, not the volume id).
    assert result.summary.splitlines() == [
        "31 Dec 2025 00:00 UTC · 1.2 GiB · acme-web, nightly · id 2025-12-31T00:00:00",
        "30 Dec 2025 00:00 UTC · 1.2 GiB · acme-web, nightly · id 2025-12-30T00:00:00",
        "Restore or delete one by its id: /server backup restore 101 <id>",
    ]
    assert "vzdump" not in result.summary
    empty, _ = run_step(sim, BackupListAction(px, ActionsConfig()), BackupListRequest(vmid=102))
    assert empty.summary == "server 102 has no backups"


def test_restore_running_vm_stops_restores_and_starts(sim: Simulator, px: Proxmox) -> None:
    chain = run_chain(
        sim, RestoreAction(px, ActionsConfig()), RestoreRequest(vmid=101, volid=OLDER)
    )
    writes = [(m, p, params) for m, p, params in chain.all_calls if m != "GET"]
    assert writes == [
        ("POST", "/nodes/pve1/qemu/101/status/stop", {}),
        ("POST", "/nodes/pve1/qemu", {"vmid": 101, "archive": OLDER, "force": 1}),
        ("POST", "/nodes/pve1/qemu/101/status/start", {}),
    ]
    assert chain.context["was_running"] is True
    assert sim.vms[101].status == "running"
    assert sim.vms[101].lock is None


def test_restore_keeps_the_current_owner_tag_not_the_backups(sim: Simulator, px: Proxmox) -> None:
    """The backups were taken while acme owned 101; since then it was assigned to bob. A
    restore replaces the whole config, tags included: the retag step puts bob's back."""
    sim.vms[101].config["tags"] = "owner-bob;web"
    chain = run_chain(
        sim, RestoreAction(px, ActionsConfig()), RestoreRequest(vmid=101, volid=OLDER)
    )
    method, path, params = chain.calls["retag"][-1]
    assert (method, path, params["tags"]) == ("PUT", "/nodes/pve1/qemu/101/config", "owner-bob;web")
    assert isinstance(params["digest"], str)  # guarded against a concurrent edit
    assert sim.vms[101].config["tags"] == "owner-bob;web"


def test_restore_twice_ends_the_same(sim: Simulator, px: Proxmox) -> None:
    chain = run_chain(
        sim, RestoreAction(px, ActionsConfig()), RestoreRequest(vmid=101, volid=NEWER), repeat=2
    )
    methods = [(m, p) for m, p, _ in chain.all_calls if m != "GET"]
    assert methods.count(("POST", "/nodes/pve1/qemu/101/status/stop")) == 1
    assert methods.count(("POST", "/nodes/pve1/qemu/101/status/start")) == 1
    assert sim.vms[101].status == "running"


def test_restore_refuses_another_vms_backup_before_any_call(sim: Simulator, px: Proxmox) -> None:
    with pytest.raises(ActionError) as caught:
        RestoreAction(px, ActionsConfig()).plan(RestoreRequest(vmid=101, volid=OTHER))
    assert str(caught.value) == f"backup: {OTHER} belongs to another server, not to server 101"
    assert [c.path for c in sim.calls] == ["/cluster/resources"]


def test_restore_refuses_when_the_vm_was_started_after_the_stop_step(
    sim: Simulator, px: Proxmox
) -> None:
    action = RestoreAction(px, ActionsConfig())
    request = RestoreRequest(vmid=103, volid=OTHER)
    context = action.run_step("prepare", request, {}).context
    stop = action.run_step("stop", request, context)
    assert stop.upid is not None
    sim.finish_tasks()
    sim.vms[103].status = "running"
    with pytest.raises(ActionError, match="server 103 is running; a restore needs it stopped"):
        action.run_step("restore", request, context)
    assert not any(c.path == "/nodes/pve3/qemu" for c in sim.calls)


def test_restore_of_a_backup_that_does_not_exist(sim: Simulator, px: Proxmox) -> None:
    with pytest.raises(ActionError) as caught:
        RestoreAction(px, ActionsConfig()).plan(RestoreRequest(vmid=102, volid=NO_BACKUP))
    assert str(caught.value) == (
        "backup: server 102 has no backup of 29 Dec 2025 00:00 UTC; "
        "/server backup list 102 shows its backups"
    )


def test_restore_plan_says_it_stops_first(px: Proxmox) -> None:
    plan = RestoreAction(px, ActionsConfig()).plan(RestoreRequest(vmid=101, volid=NEWER))
    assert plan.render() == (
        "Restore server 101 from the backup of 31 Dec 2025 00:00 UTC; it will be stopped "
        "first and started again\n"
        "• disks current contents → backup of 31 Dec 2025 00:00 UTC\n"
        "⚠ everything written since that backup is lost\n"
        "Proxmox calls: POST /nodes/pve1/qemu/101/status/stop; "
        f"POST /nodes/pve1/qemu (vmid=101, archive={NEWER}, force=1); "
        "POST /nodes/pve1/qemu/101/status/start"
    )


def test_delete_backup_of_this_vm(sim: Simulator, px: Proxmox) -> None:
    action = BackupDeleteAction(px, ActionsConfig())
    result, calls = run_step(sim, action, BackupDeleteRequest(vmid=101, volid=OLDER))
    assert calls == [
        RESOURCES,
        CONTENT,
        ("DELETE", f"/nodes/pve1/storage/backup/content/{OLDER}", {}),
    ]
    assert [b.volid for b in sim.backups(101)] == [NEWER]
    assert result.summary == "backup of 30 Dec 2025 00:00 UTC deleted"
    again, calls = run_step(sim, action, BackupDeleteRequest(vmid=101, volid=OLDER))
    assert again.summary == "the backup of 30 Dec 2025 00:00 UTC was already gone"
    assert [m for m, _, _ in calls] == ["GET", "GET"]


@pytest.mark.parametrize(
    ("volid", "message"),
    [
        (OTHER, "belongs to another server, not to server 101"),
        ("backup:backup/../images/vm-101-disk-0", "is not a VM backup id"),
        ("backup:backup/vzdump-qemu-101-2025_12_30-00_00_00.vma.zst/../x", "is not a VM backup id"),
        ("local-lvm:vm-101-disk-0", "is not a VM backup id"),
        (
            "local:backup/vzdump-qemu-101-2025_12_30-00_00_00.vma.zst",
            "storage 'local' is not a backup storage here",
        ),
    ],
)
def test_delete_rejects_anything_not_provably_this_vms(
    sim: Simulator, px: Proxmox, volid: str, message: str
) -> None:
    with pytest.raises(ActionError, match=message.replace("(", r"\(")):
        run_step(
            sim, BackupDeleteAction(px, ActionsConfig()), BackupDeleteRequest(vmid=101, volid=volid)
        )
    assert sim.calls == []
    assert len(sim.backups(101)) == 2


def test_a_backup_is_taken_by_its_time_as_the_list_shows_it(sim: Simulator, px: Proxmox) -> None:
    """``2025-12-30T00:00:00`` names the backup taken then, as its volume id does."""
    plan = RestoreAction(px, ActionsConfig()).plan(
        RestoreRequest(vmid=101, volid="2025-12-30T00:00:00")
    )
    assert f"archive={OLDER}" in plan.render()
    action = BackupDeleteAction(px, ActionsConfig())
    result, _ = run_step(sim, action, BackupDeleteRequest(vmid=101, volid="2025-12-30T00:00:00"))
    assert result.summary == "backup of 30 Dec 2025 00:00 UTC deleted"
    assert [b.volid for b in sim.backups(101)] == [NEWER]
    with pytest.raises(ActionError) as caught:
        RestoreAction(px, ActionsConfig()).plan(
            RestoreRequest(vmid=102, volid="2025-12-31T00:00:00")
        )
    assert str(caught.value) == (  # 101's backup of that time is not 102's
        "backup: server 102 has no backup taken at 31 Dec 2025 00:00:00 UTC; "
        "/server backup list 102 shows its backups"
    )
