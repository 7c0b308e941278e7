from __future__ import annotations

import pytest

from actions.base import ActionError
from actions.config import ActionsConfig
from actions.server.delete import DeleteAction, DeleteRequest
from proxmox.errors import ProxmoxLocked
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import run_chain

VM = "/nodes/pve1/qemu/101"
RESOURCES = ("GET", "/cluster/resources", {"type": "vm"})


def _delete(px: Proxmox) -> DeleteAction:
    return DeleteAction(px, ActionsConfig())


def test_delete_running_vm_stops_then_destroys_with_purge(sim: Simulator, px: Proxmox) -> None:
    chain = run_chain(sim, _delete(px), DeleteRequest(vmid=101))
    assert chain.calls["stop"] == [
        RESOURCES,
        ("GET", f"{VM}/config", {}),
        ("GET", f"{VM}/status/current", {}),
        ("POST", f"{VM}/status/stop", {}),
    ]
    assert chain.calls["destroy"] == [
        RESOURCES,
        ("GET", f"{VM}/config", {}),
        ("GET", f"{VM}/status/current", {}),
        ("DELETE", VM, {"purge": "1", "destroy-unreferenced-disks": "1"}),
    ]
    assert chain.context["owner"] == "acme"
    assert 101 not in sim.vms
    assert [v.volid for v in sim.volumes("local-lvm") if v.vmid == 101] == []
    # Backups are not disks of the VM: they stay.
    assert len(sim.backups(101)) == 2


def test_delete_twice_ends_the_same_and_gone_is_success(sim: Simulator, px: Proxmox) -> None:
    chain = run_chain(sim, _delete(px), DeleteRequest(vmid=101), repeat=2)
    assert chain.results[-1].summary == "it was already gone"
    assert chain.results[-1].upid is None
    assert 101 not in sim.vms
    assert [m for m, _, _ in chain.all_calls].count("DELETE") == 1
    assert [m for m, _, _ in chain.all_calls].count("POST") == 1


def test_plan_lists_disks_and_calls(px: Proxmox) -> None:
    assert _delete(px).plan(DeleteRequest(vmid=102)).render() == (
        "Delete server 102 (acme-db) and all its disks (scsi0 local-lvm:vm-102-disk-0); "
        "this cannot be undone\n"
        "• server stopped → deleted\n"
        "Proxmox calls: DELETE /nodes/pve2/qemu/102 (purge=1, destroy-unreferenced-disks=1)"
    )


def test_protected_vm_is_refused_before_anything(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].config["protection"] = 1
    with pytest.raises(ActionError) as caught:
        run_chain(sim, _delete(px), DeleteRequest(vmid=101))
    assert str(caught.value) == (
        "server 101 is protected (protection=1), so it cannot be deleted; "
        "an admin must turn protection off first"
    )
    assert {c.method for c in sim.calls} == {"GET"}
    assert sim.vms[101].status == "running"


def test_locked_vm_is_not_touched(sim: Simulator, px: Proxmox) -> None:
    sim.vms[102].config["lock"] = "clone"
    with pytest.raises(ProxmoxLocked) as caught:
        run_chain(sim, _delete(px), DeleteRequest(vmid=102))
    assert caught.value.lock == "clone"
    assert 102 in sim.vms


def test_a_vm_started_between_steps_is_not_destroyed(sim: Simulator, px: Proxmox) -> None:
    action = _delete(px)
    stopped = action.run_step("stop", DeleteRequest(vmid=102), {})
    assert stopped.summary == "it was already stopped"
    sim.vms[102].status = "running"
    with pytest.raises(ActionError, match="running again"):
        action.run_step("destroy", DeleteRequest(vmid=102), stopped.context)
    assert 102 in sim.vms
