"""Delete one backup of a server: only a volume whose name proves it is this VM's.

The volid is matched in full against the two backup shapes (no ``../``, no other
storage than the configured backup storage) and must appear in this VM's listing; a
backup that is already gone is success, a protected one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.backup.listing import pick_backup, refuse_foreign
from actions.base import JSON, ActionError, Change, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest
from actions.volumes import backup_label


class BackupDeleteRequest(VmRequest):
    volid: str  # its volume id, or the time it was taken (2026-12-01T10:00:00)


class BackupDeleteAction(ServerAction[BackupDeleteRequest]):
    name = "backup.delete"
    steps = (Step("execute", says="deleting the backup"),)
    request_model = BackupDeleteRequest

    def plan(self, request: BackupDeleteRequest) -> Plan:
        storage = self.config.backup_storage
        refuse_foreign(request.volid, request.vmid, storage)  # before anything is read
        node = self.locate(request.vmid).node
        ref, found = pick_backup(self.px, node, storage, request.vmid, request.volid)
        label = backup_label(ref.volid, found.ctime if found else None)
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=node,
            summary=f"Delete the {label} of server {request.vmid}; this cannot be undone",
            changes=(Change(what="backup", before=label, after="deleted"),),
            calls=(f"DELETE /nodes/{node}/storage/{ref.storage}/content/{ref.volid}",),
        )

    def execute(self, request: BackupDeleteRequest, context: Mapping[str, JSON]) -> StepResult:
        storage = self.config.backup_storage
        refuse_foreign(request.volid, request.vmid, storage)  # before anything is read
        node = self.where(request.vmid, context)
        ref, found = pick_backup(self.px, node, storage, request.vmid, request.volid)
        label = backup_label(ref.volid, found.ctime if found else None)
        if found is None:
            return StepResult(
                summary=f"the {label} was already gone", context={**context, "node": node}
            )
        if found.protected:
            raise ActionError(f"the {label} is protected; an admin must unprotect it first")
        upid = self.px.storage.delete_volume(node, ref.storage, ref.volid)
        return StepResult(
            summary=f"{label} deleted",
            upid=str(upid) if upid else None,
            context={**context, "node": node},
        )
