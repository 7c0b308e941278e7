"""VM list, current status and the power actions (each a task, checked inside the worker).

As in qemu-server, the lock and state checks of start/stop/shutdown/reboot/reset/suspend/
resume run in the task: the call answers a UPID and the task ends with the error text
(e.g. "VM 101 already running", "VM is locked (backup)").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from proxmox.simulator import views
from proxmox.simulator.params import b, i, s
from proxmox.simulator.routing import Req, Route
from proxmox.simulator.schema import NODE_ONLY, NODE_VMID
from proxmox.simulator.state import Vm, World
from proxmox.simulator.tasks import TaskFailed

Check = Callable[[Vm], str | None]
Effect = Callable[[World, Vm], None]


def list_vms(w: World, r: Req) -> Any:
    w.node(r.p["node"])
    now = w.clock.now()
    on_node = sorted((vm for vm in w.vms.values() if vm.node == r.p["node"]), key=_vmid)
    return [views.vm_list_entry(vm, now) for vm in on_node]


def _vmid(vm: Vm) -> int:
    return vm.vmid


def current(w: World, r: Req) -> Any:
    return views.vm_status(w.vm(r.p["node"], r.p["vmid"]), w.clock.now())


# -- checks (run in the worker) -----------------------------------------------------------------


def _must_run(vm: Vm) -> str | None:
    return None if vm.running else f"VM {vm.vmid} not running"


def _must_not_run(vm: Vm) -> str | None:
    if vm.config.get("template"):
        return "you can't start a vm if it's a template"
    return f"VM {vm.vmid} already running" if vm.running else None


def _must_be_paused(vm: Vm) -> str | None:
    return None if vm.status == "paused" else f"VM {vm.vmid} not running"


def _any(_vm: Vm) -> str | None:
    return None


# -- effects (when the task ends OK) -----------------------------------------------------------


def _boot(w: World, vm: Vm) -> None:
    """A cold start: pending changes are applied and the cloud-init drive regenerated."""
    vm.apply_pending()
    vm.regenerate_cloudinit()
    vm.status = "running"
    vm.started_at = w.clock.now()


def _halt(_w: World, vm: Vm) -> None:
    vm.status = "stopped"
    vm.started_at = None


def _pause(_w: World, vm: Vm) -> None:
    vm.status = "paused"


def _unpause(_w: World, vm: Vm) -> None:
    vm.status = "running"


def _nothing(_w: World, _vm: Vm) -> None:
    return None


def power_action(task_type: str, check: Check, effect: Effect) -> Callable[[World, Req], Any]:
    def handler(w: World, r: Req) -> Any:
        vm = w.vm(r.p["node"], r.p["vmid"])
        error = None
        if vm.lock and not r.p.get("skiplock"):
            error = f"VM is locked ({vm.lock})"
        error = error or check(vm)
        head = ["generating cloud-init ISO"] if task_type == "qmstart" and _has_ci(vm) else []

        def done() -> list[str] | None:
            # Re-checked at the end too: a second start sent meanwhile must still fail.
            if w.vms.get(vm.vmid) is not vm:
                raise TaskFailed(f"Configuration file for VM {vm.vmid} does not exist")
            again = check(vm)
            if again:
                raise TaskFailed(again)
            effect(w, vm)
            return None

        task = w.start_task(vm.node, task_type, str(vm.vmid), head=head, on_done=done, error=error)
        return task.text

    return handler


def _has_ci(vm: Vm) -> bool:
    return any("cloudinit" in str(v) for v in vm.disks().values())


_TIMEOUT = i(minimum=0)
_ACTIONS: tuple[tuple[str, str, Check, Effect, dict[str, Any]], ...] = (
    ("start", "qmstart", _must_not_run, _boot,
     {"skiplock": b(), "timeout": _TIMEOUT, "machine": s(), "force-cpu": s()}),
    ("stop", "qmstop", _any, _halt,
     {"skiplock": b(), "timeout": _TIMEOUT, "keepActive": b(), "overrule-shutdown": b()}),
    ("shutdown", "qmshutdown", _any, _halt,
     {"skiplock": b(), "timeout": _TIMEOUT, "forceStop": b(), "keepActive": b()}),
    ("reboot", "qmreboot", _must_run, _boot, {"timeout": _TIMEOUT}),
    ("reset", "qmreset", _must_run, _nothing, {"skiplock": b()}),
    ("suspend", "qmpause", _must_run, _pause,
     {"skiplock": b(), "todisk": b(), "statestorage": s()}),
    ("resume", "qmresume", _must_be_paused, _unpause, {"skiplock": b(), "nocheck": b()}),
)  # fmt: skip


def _power_routes() -> list[Route]:
    routes = []
    for action, task_type, check, effect, extra in _ACTIONS:
        routes.append(
            Route(
                "POST",
                f"/nodes/{{node}}/qemu/{{vmid}}/status/{action}",
                {**NODE_VMID, **extra},
                power_action(task_type, check, effect),
                ("/vms/{vmid}", "VM.PowerMgmt"),
            )
        )
    return routes


ROUTES = (
    Route("GET", "/nodes/{node}/qemu", {**NODE_ONLY, "full": b()}, list_vms,
          ("/nodes/{node}", "VM.Audit")),
    Route("GET", "/nodes/{node}/qemu/{vmid}/status/current", NODE_VMID, current,
          ("/vms/{vmid}", "VM.Audit")),
    *_power_routes(),
)  # fmt: skip
