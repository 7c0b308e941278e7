"""Ad-hoc backup: vzdump in snapshot mode, zstd, ``remove=0`` (never prune older backups)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import Field

from actions.base import JSON, ActionError, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest, ensure_unlocked
from actions.config import ActionsConfig
from proxmox.repositories import Proxmox
from proxmox.upid import UPID

# vzdump expands {{...}} in notes-template and notes are one line; keep the asker's text plain.
_UNSAFE_NOTES = re.compile(r"[{}\r\n]+")


class BackupCreateRequest(VmRequest):
    requested_by: str = Field(default="", max_length=200)
    note: str | None = Field(default=None, max_length=120)


class BackupCreateAction(ServerAction[BackupCreateRequest]):
    name = "backup.create"
    steps = (Step("execute", ("vzdump",), says="backing up"),)
    request_model = BackupCreateRequest

    def plan(self, request: BackupCreateRequest) -> Plan:
        node = self.locate(request.vmid).node
        storage = self.config.backup_storage
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=node,
            summary=f"Back up server {request.vmid} to {storage} (older backups are kept)",
            calls=(
                f"POST /nodes/{node}/vzdump (vmid={request.vmid}, storage={storage}, "
                "mode=snapshot, compress=zstd, remove=0, notes-template)",
            ),
        )

    def execute(self, request: BackupCreateRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        ensure_unlocked(self.px.config.get(node, request.vmid), request.vmid)
        storages = [s.storage for s in self.px.storage.list(node, content="backup")]
        if self.config.backup_storage not in storages:
            raise ActionError(
                f"storage: backup storage {self.config.backup_storage!r} is not "
                f"available on {node} (available: {', '.join(storages) or 'none'})"
            )
        notes = backup_notes(request.requested_by, request.note)
        upid = start_backup(self.px, self.config, node, request.vmid, notes)
        return StepResult(
            summary=f"backup saved (storage {self.config.backup_storage})",
            upid=str(upid),
            context={**context, "node": node},
        )


def start_backup(px: Proxmox, config: ActionsConfig, node: str, vmid: int, notes: str) -> UPID:
    """An ad-hoc vzdump: snapshot mode, zstd, and remove=0 so older backups are never pruned."""
    return px.backups.create(
        node,
        vmid,
        storage=config.backup_storage,
        mode="snapshot",
        compress="zstd",
        remove=False,
        notes=notes,
    )


def backup_notes(requested_by: str, note: str | None = None) -> str:
    who = _UNSAFE_NOTES.sub(" ", requested_by).strip() or "an admin"
    said = _UNSAFE_NOTES.sub(" ", note or "").strip()
    return (
        f"{said} (requested by {who} via Jotunheim)"
        if said
        else f"requested by {who} via Jotunheim"
    )
