"""This server's backups, newest first, with date and size (read-only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from actions.base import JSON, ActionError, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest
from actions.sizes import human_bytes
from actions.volumes import parse_backup_volid
from proxmox.models import BackupVolume
from proxmox.repositories import Proxmox


class BackupListRequest(VmRequest):
    pass


class BackupListAction(ServerAction[BackupListRequest]):
    name = "backup.list"
    title = "Backups"
    steps = (Step("execute", says="reading the backups"),)
    request_model = BackupListRequest

    def plan(self, request: BackupListRequest) -> Plan:
        storage = self.config.backup_storage
        return Plan(
            action=self.name,
            vmid=request.vmid,
            summary=f"List the backups of server {request.vmid} on {storage} (read-only)",
            calls=(
                f"GET /nodes/…/storage/{storage}/content (content=backup, vmid={request.vmid})",
            ),
        )

    def execute(self, request: BackupListRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        backups = backups_of(self.px, node, self.config.backup_storage, request.vmid)
        rows: list[JSON] = [
            {
                "volid": b.volid,
                "size": b.size,
                "ctime": b.ctime,
                "notes": b.notes,
                "protected": b.protected,
            }
            for b in backups
        ]
        lines = [describe(b) for b in backups] or [f"server {request.vmid} has no backups"]
        return StepResult(
            summary="\n".join(lines), context={**context, "node": node, "backups": rows}
        )


def backups_of(px: Proxmox, node: str, storage: str, vmid: int) -> list[BackupVolume]:
    """Backups whose *name* proves they are ``vmid``'s (the ``vmid`` filter alone is the
    storage's claim), newest first."""
    mine = [b for b in px.storage.backups(node, storage, vmid=vmid) if _named_for(b.volid, vmid)]
    return sorted(mine, key=lambda b: b.ctime, reverse=True)


def _named_for(volid: str, vmid: int) -> bool:
    try:
        return parse_backup_volid(volid).vmid == vmid
    except ActionError:
        return False


def describe(backup: BackupVolume) -> str:
    when = datetime.fromtimestamp(backup.ctime, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    notes = f" — {backup.notes}" if backup.notes else ""
    protected = " (protected)" if backup.protected else ""
    return f"{when}  {human_bytes(backup.size)}  {backup.volid}{protected}{notes}"
