"""Power: start, shutdown, reboot, stop, reset, suspend, resume — state is checked first.

Asking for the state a VM is already in (start a running VM, stop a stopped one) is a
friendly no-op without a task, never a Proxmox error; asking for something the state makes
impossible (reboot a stopped VM) is a refusal that says what to do instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from actions.base import JSON, START_TASKS, STOP_TASKS, ActionError, Change, Plan, StepResult
from actions.common import ServerAction, VmRequest, locked
from proxmox.models import VmStatus
from proxmox.upid import UPID

PowerVerb = Literal["start", "shutdown", "reboot", "stop", "reset", "suspend", "resume"]

# For each verb: the states in which it is already done, and those in which it can run.
_ALREADY: dict[str, tuple[str, ...]] = {
    "start": ("running",),
    "shutdown": ("stopped",),
    "stop": ("stopped",),
    "suspend": ("paused",),
    "resume": ("running",),
}
_NEEDS: dict[str, tuple[str, ...]] = {
    "start": ("stopped",),
    "shutdown": ("running", "paused"),
    "stop": ("running", "paused"),
    "reboot": ("running",),
    "reset": ("running",),
    "suspend": ("running",),
    "resume": ("paused",),
}
_RESULT = {
    "start": "running",
    "shutdown": "stopped",
    "stop": "stopped",
    "reboot": "running",
    "reset": "running",
    "suspend": "paused",
    "resume": "running",
}
# The task each verb starts (HA-managed VMs start and stop through ha-manager's tasks).
_TASKS: dict[str, tuple[str, ...]] = {
    "start": START_TASKS,
    "stop": STOP_TASKS,
    "shutdown": ("qmshutdown", "hastop"),
    "reboot": ("qmreboot",),
    "reset": ("qmreset",),
    "suspend": ("qmpause", "qmsuspend"),
    "resume": ("qmresume",),
}
# A hibernated VM carries lock "suspended"; starting or resuming it is how it wakes up.
_LOCKS_ALLOWED = {"start": ("suspended",), "resume": ("suspended",)}


class PowerRequest(VmRequest):
    action: PowerVerb


class PowerAction(ServerAction[PowerRequest]):
    name = "server.power"
    request_model = PowerRequest

    def step_says(self, step: str, request: PowerRequest) -> str:
        del step  # one step
        return _GERUND[request.action]

    def task_types(self, step: str, request: PowerRequest) -> tuple[str, ...]:
        del step  # one step; its task depends on the verb
        return _TASKS.get(request.action, ())

    def plan(self, request: PowerRequest) -> Plan:
        node = self.locate(request.vmid).node
        status = self.px.power.status(node, request.vmid)
        state = _state(status)
        verb = request.action
        path = self.vm_path(node, request.vmid, "status", verb)
        if state in _ALREADY.get(verb, ()):
            return Plan(
                action=self.name,
                vmid=request.vmid,
                node=node,
                summary=f"Server {request.vmid} is already {state}: nothing to do",
            )
        warnings = () if state in _NEEDS[verb] else (_impossible(verb, state, request.vmid),)
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=node,
            summary=f"{verb.capitalize()} server {request.vmid}",
            changes=(Change(what="power", before=state, after=_RESULT[verb]),),
            calls=(f"POST {path}{self._params(verb)}",),
            warnings=warnings,
        )

    def execute(self, request: PowerRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        status = self.px.power.status(node, request.vmid)
        state, verb = _state(status), request.action
        if state in _ALREADY.get(verb, ()):
            return StepResult(
                summary=f"it was already {state}",
                context={**context, "node": node},
            )
        if state not in _NEEDS[verb]:
            raise ActionError(_impossible(verb, state, request.vmid))
        if status.lock and status.lock not in _LOCKS_ALLOWED.get(verb, ()):
            raise locked(request.vmid, status.lock)
        upid = self._send(verb, node, request.vmid)
        return StepResult(
            summary=_DONE[verb],
            upid=str(upid),
            context={**context, "node": node},
        )

    def _params(self, verb: str) -> str:
        if verb == "shutdown":
            return f" (timeout={self.config.shutdown_timeout}, forceStop=1)"
        return ""

    def _send(self, verb: str, node: str, vmid: int) -> UPID:
        power = self.px.power
        if verb == "shutdown":
            # forceStop: a guest that ignores ACPI is stopped after the timeout, not left half-up.
            return power.shutdown(node, vmid, timeout=self.config.shutdown_timeout, force_stop=True)
        calls = {
            "start": power.start,
            "stop": power.stop,
            "reboot": power.reboot,
            "reset": power.reset,
            "suspend": power.suspend,
            "resume": power.resume,
        }
        return calls[verb](node, vmid)


# What a finished step did, for the card's bullet (the card's title names the server).
_DONE = {
    "start": "started",
    "shutdown": "shut down",
    "stop": "stopped",
    "reboot": "rebooted",
    "reset": "reset",
    "suspend": "suspended",
    "resume": "resumed",
}
_GERUND = {
    "start": "starting",
    "shutdown": "shutting down",
    "stop": "stopping",
    "reboot": "rebooting",
    "reset": "resetting",
    "suspend": "suspending",
    "resume": "resuming",
}


def _state(status: VmStatus) -> str:
    """``paused`` comes from ``qmpstatus``: a suspended VM still has status ``running``."""
    if status.status == "running" and status.qmpstatus in {"paused", "suspended"}:
        return "paused"
    return status.status


def _impossible(verb: str, state: str, vmid: int) -> str:
    hint = {"stopped": "start it instead", "paused": "resume it first"}.get(state, "")
    text = f"server {vmid} is {state}, so it cannot {verb}"
    return f"{text}; {hint}" if hint else text
