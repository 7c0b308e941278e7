from __future__ import annotations

import pytest

from actions.base import ActionError
from actions.config import ActionsConfig
from actions.server.power import PowerAction, PowerRequest
from actions.server.resize import ResizeAction, ResizeRequest
from actions.server.status import StatusAction, StatusRequest
from proxmox.errors import ProxmoxLocked
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import run_step

RESOURCES = ("GET", "/cluster/resources", {"type": "vm"})


def _power(px: Proxmox) -> PowerAction:
    return PowerAction(px, ActionsConfig(shutdown_timeout=90))


def test_start_of_a_running_vm_is_a_friendly_no_op(sim: Simulator, px: Proxmox) -> None:
    result, calls = run_step(sim, _power(px), PowerRequest(vmid=101, action="start"))
    assert result.upid is None
    assert result.summary == "it was already running"
    assert calls == [RESOURCES, ("GET", "/nodes/pve1/qemu/101/status/current", {})]


def test_shutdown_sends_timeout_and_force_stop(sim: Simulator, px: Proxmox) -> None:
    result, calls = run_step(sim, _power(px), PowerRequest(vmid=103, action="shutdown"))
    assert result.summary == "shut down"
    assert result.upid is not None
    assert ":qmshutdown:103:" in result.upid
    assert calls[-1] == (
        "POST",
        "/nodes/pve3/qemu/103/status/shutdown",
        {"timeout": 90, "forceStop": 1},
    )
    assert sim.vms[103].status == "stopped"
    again, calls = run_step(sim, _power(px), PowerRequest(vmid=103, action="shutdown"))
    assert again.upid is None
    assert again.summary == "it was already stopped"
    assert all(method == "GET" for method, _, _ in calls)


@pytest.mark.parametrize(
    ("verb", "task", "after"),
    [
        ("stop", "qmstop", "stopped"),
        ("reset", "qmreset", "running"),
        ("reboot", "qmreboot", "running"),
    ],
)
def test_hard_stop_reset_and_reboot_of_a_running_vm(
    sim: Simulator, px: Proxmox, verb: str, task: str, after: str
) -> None:
    result, calls = run_step(sim, _power(px), PowerRequest(vmid=101, action=verb))
    assert result.upid is not None
    assert f":{task}:101:" in result.upid
    assert calls[-1] == ("POST", f"/nodes/pve1/qemu/101/status/{verb}", {})
    assert sim.vms[101].status == after


def test_start_a_stopped_vm(sim: Simulator, px: Proxmox) -> None:
    result, calls = run_step(sim, _power(px), PowerRequest(vmid=102, action="start"))
    assert calls[-1] == ("POST", "/nodes/pve2/qemu/102/status/start", {})
    assert result.summary == "started"
    assert sim.vms[102].status == "running"


def test_suspend_then_resume(sim: Simulator, px: Proxmox) -> None:
    run_step(sim, _power(px), PowerRequest(vmid=101, action="suspend"))
    again, _ = run_step(sim, _power(px), PowerRequest(vmid=101, action="suspend"))
    assert again.summary == "it was already paused"
    result, calls = run_step(sim, _power(px), PowerRequest(vmid=101, action="resume"))
    assert calls[-1] == ("POST", "/nodes/pve1/qemu/101/status/resume", {})
    assert result.upid is not None
    assert sim.vms[101].status == "running"


@pytest.mark.parametrize("verb", ["reboot", "reset", "suspend", "resume"])
def test_impossible_verbs_on_a_stopped_vm_say_what_to_do(
    sim: Simulator, px: Proxmox, verb: str
) -> None:
    with pytest.raises(ActionError) as caught:
        run_step(sim, _power(px), PowerRequest(vmid=102, action=verb))
    assert str(caught.value) == f"server 102 is stopped, so it cannot {verb}; start it instead"
    assert [c.method for c in sim.calls] == ["GET", "GET"]


def test_locked_vm_is_not_stopped(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].config["lock"] = "backup"
    with pytest.raises(ProxmoxLocked) as caught:
        run_step(sim, _power(px), PowerRequest(vmid=101, action="stop"))
    assert caught.value.lock == "backup"
    assert "VM is locked (backup)" in str(caught.value)
    assert sim.vms[101].status == "running"


def test_power_plan_is_readable(px: Proxmox) -> None:
    plan = _power(px).plan(PowerRequest(vmid=101, action="shutdown"))
    assert plan.render() == (
        "Shutdown server 101\n• power running → stopped\n"
        "Proxmox calls: POST /nodes/pve1/qemu/101/status/shutdown (timeout=90, forceStop=1)"
    )
    assert _power(px).plan(PowerRequest(vmid=101, action="start")).render() == (
        "Server 101 is already running: nothing to do"
    )


def test_status_reports_state_in_human_units(sim: Simulator, px: Proxmox) -> None:
    ResizeAction(px, ActionsConfig()).run_step("configure", ResizeRequest(vmid=101, cores=4), {})
    result, calls = run_step(sim, StatusAction(px, ActionsConfig()), StatusRequest(vmid=101))
    assert [p for _, p, _ in calls] == [
        "/cluster/resources",
        "/nodes/pve1/qemu/101/status/current",
        "/nodes/pve1/qemu/101/pending",
    ]
    lines = result.summary.splitlines()
    assert lines[0] == "server 101 (acme-web) on pve1: running, up 3 d"
    assert lines[1].startswith("CPU ")
    assert "% of 2 cores, memory " in lines[1]
    assert lines[1].endswith(" / 4 GiB, disk 32 GiB")
    assert lines[2] == "pending until reboot: cores 2 → 4"
    assert result.context["node"] == "pve1"
    assert result.context["maxmem"] == 4 * 1024**3
    assert result.needs_reboot


def test_status_names_a_lock(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].config["lock"] = "backup"
    result, _ = run_step(sim, StatusAction(px, ActionsConfig()), StatusRequest(vmid=101))
    assert "locked: backup" in result.summary.splitlines()
    assert result.context["lock"] == "backup"
