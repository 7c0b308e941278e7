"""Status of one server, and the list of an account's servers: read-only, no tasks.

The ``context`` of the result carries the same facts as data, for callers that render
their own way (chat fields, inventory refresh).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from actions.base import JSON, Plan, StepResult
from actions.common import ServerAction, VmRequest
from actions.sizes import human_bytes, human_duration
from proxmox.models import ClusterResource, PendingItem


class StatusRequest(VmRequest):
    pass


class StatusAction(ServerAction[StatusRequest]):
    name = "server.status"
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


class ListRequest(BaseModel):
    """The servers an account owns; ``account=None`` lists every VM (admins)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str | None = None


class ListAction(ServerAction[ListRequest]):
    name = "server.list"
    request_model = ListRequest

    def plan(self, request: ListRequest) -> Plan:
        whose = f"owned by {request.account}" if request.account else "in the cluster"
        return Plan(
            action=self.name,
            summary=f"List servers {whose} (read-only)",
            calls=("GET /cluster/resources?type=vm",),
        )

    def execute(self, request: ListRequest, context: Mapping[str, JSON]) -> StepResult:
        servers = [r for r in self.px.cluster.resources("vm") if self._listed(r, request)]
        servers.sort(key=lambda r: r.vmid or 0)
        rows: list[JSON] = [_row(r, self.config.owner_of(list(r.tags))) for r in servers]
        lines = [_line(r) for r in servers] or ["no servers"]
        return StepResult(summary="\n".join(lines), context={**context, "servers": rows})

    def _listed(self, resource: ClusterResource, request: ListRequest) -> bool:
        if resource.type != "qemu" or resource.template or resource.vmid is None:
            return False
        if request.account is None:
            return True
        return self.config.owner_tag(request.account) in resource.tags


def _row(r: ClusterResource, owner: str | None) -> dict[str, JSON]:
    return {
        "vmid": r.vmid,
        "name": r.name,
        "node": r.node,
        "status": r.status,
        "owner": owner,
        "maxmem": r.maxmem,
        "maxdisk": r.maxdisk,
        "cpus": r.maxcpu,
        "lock": r.lock,
    }


def _line(r: ClusterResource) -> str:
    sizes = (
        f"{r.maxcpu or 0} cores, {human_bytes(r.maxmem or 0)} RAM, "
        f"{human_bytes(r.maxdisk or 0)} disk"
    )
    lock = f", locked ({r.lock})" if r.lock else ""
    return f"{r.vmid} {r.name or '-'} on {r.node}: {r.status}{lock} — {sizes}"
