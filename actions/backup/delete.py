"""Delete one backup of a server: only a volume whose name proves it is this VM's.

The volid is matched in full against the two backup shapes (no ``../``, no other
storage than the configured backup storage) and must appear in this VM's listing; a
backup that is already gone is success, a protected one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.backup.listing import backups_of
from actions.base import JSON, ActionError, Change, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest
from actions.volumes import backup_of


class BackupDeleteRequest(VmRequest):
    volid: str


class BackupDeleteAction(ServerAction[BackupDeleteRequest]):
    name = "backup.delete"
    title = "Delete backup"
    steps = (Step("execute", says="deleting the backup"),)
    request_model = BackupDeleteRequest

    def plan(self, request: BackupDeleteRequest) -> Plan:
        ref = backup_of(request.volid, request.vmid, (self.config.backup_storage,))
        node = self.locate(request.vmid).node
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=node,
            summary=f"Delete backup {ref.volid} of server {request.vmid}; this cannot be undone",
            changes=(Change(what="backup", before=ref.volume, after="deleted"),),
            calls=(f"DELETE /nodes/{node}/storage/{ref.storage}/content/{ref.volid}",),
        )

    def execute(self, request: BackupDeleteRequest, context: Mapping[str, JSON]) -> StepResult:
        ref = backup_of(request.volid, request.vmid, (self.config.backup_storage,))
        node = self.where(request.vmid, context)
        found = [
            b for b in backups_of(self.px, node, ref.storage, request.vmid) if b.volid == ref.volid
        ]
        if not found:
            return StepResult(
                summary=f"backup {ref.volid} is already gone", context={**context, "node": node}
            )
        if found[0].protected:
            raise ActionError(f"backup {ref.volid} is protected; an admin must unprotect it first")
        upid = self.px.storage.delete_volume(node, ref.storage, ref.volid)
        return StepResult(
            summary=f"deleting backup {ref.volid}",
            upid=str(upid) if upid else None,
            context={**context, "node": node},
        )
