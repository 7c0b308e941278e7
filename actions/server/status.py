"""Status of one server: read-only, no tasks. (``/server list`` is answered from the
inventory cache on the ack path, not by an Action.)

The ``context`` of the result carries the same facts as data, for callers that render
their own way (chat fields, inventory refresh).
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.base import JSON, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest
from actions.sizes import human_bytes, human_duration
from proxmox.models import PendingItem


class StatusRequest(VmRequest):
    pass


class StatusAction(ServerAction[StatusRequest]):
    name = "server.status"
    steps = (Step("execute", says="reading the status"),)
    request_model = StatusRequest

    def plan(self, request: StatusRequest) -> Plan:
        return Plan(
            action=self.name,
            vmid=request.vmid,
            summary=f"Show the status of server {request.vmid} (read-only)",
            calls=("GET /cluster/resources", "GET …/status/current", "GET …/pending"),
        )

    def execute(self, request: StatusRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        status = self.px.power.status(node, request.vmid)
        pending = [
            _pending_text(p)
            for p in self.px.config.pending(node, request.vmid)
            if p.pending is not None or p.delete
        ]
        facts: dict[str, JSON] = {
            "vmid": request.vmid,
            "name": status.name,
            "node": node,
            "status": status.status,
            "uptime": status.uptime,
            "cpu": round(status.cpu * 100, 1),
            "cpus": status.cpus,
            "mem": status.mem,
            "maxmem": status.maxmem,
            "disk": status.disk,
            "maxdisk": status.maxdisk,
            "lock": status.lock,
            "pending": pending,
        }
        lines = [
            f"server {request.vmid}"
            + (f" ({status.name})" if status.name else "")
            + f" on {node}: {status.status}"
            + (f", up {human_duration(status.uptime)}" if status.status == "running" else ""),
            f"CPU {facts['cpu']}% of {status.cpus} cores, memory "
            f"{human_bytes(status.mem)} / {human_bytes(status.maxmem)}, "
            f"disk {human_bytes(status.maxdisk)}",
        ]
        if status.lock:
            lines.append(f"locked: {status.lock}")
        if pending:
            lines.append("pending until reboot: " + ", ".join(pending))
        return StepResult(
            summary="\n".join(lines),
            context={**context, **facts},
            pending=tuple(pending),
            needs_reboot=bool(pending),
        )


def _pending_text(item: PendingItem) -> str:
    if item.delete:
        return f"{item.key} removed"
    return f"{item.key} {item.value if item.value is not None else '(unset)'} → {item.pending}"
