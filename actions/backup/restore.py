"""Restore a server from one of its own backups: check → stop → restore (``force=1``) →
retag → start.

The backup must be this VM's by name (``vzdump-qemu-<vmid>-…`` or PBS ``backup/vm/<vmid>/…``),
on a configured backup storage, and present in the listing. Proxmox refuses a restore onto a
running VM, so the ``restore`` step checks the VM is stopped and refuses if someone started it
after the ``stop`` step; it starts the VM again only if it was running before. A restore
replaces the whole config, tags included, so ``retag`` puts back the tags the server had
before (its owner tag above all: a backup taken before an ``assign`` names the old owner).
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.backup.listing import pick_backup
from actions.base import JSON, START_TASKS, STOP_TASKS, ActionError, Change, Plan, Step, StepResult
from actions.common import (
    ServerAction,
    VmRequest,
    ensure_unlocked,
    ensure_unprotected,
    update_config,
)
from actions.volumes import BackupRef, backup_label


class RestoreRequest(VmRequest):
    volid: str  # its volume id, or the time it was taken (2026-12-01T10:00:00)


class RestoreAction(ServerAction[RestoreRequest]):
    name = "backup.restore"
    request_model = RestoreRequest
    steps = (
        Step("prepare", says="checking the backup"),
        Step("stop", STOP_TASKS, says="stopping the server"),
        Step("restore", ("qmrestore",), says="restoring"),
        Step("retag", says="restoring its owner"),
        Step("start", START_TASKS, says="starting it"),
    )

    def _backup(self, request: RestoreRequest, node: str) -> BackupRef:
        storage = self.config.backup_storage
        ref, found = pick_backup(self.px, node, storage, request.vmid, request.volid)
        if found is None:
            raise ActionError(
                f"backup: server {request.vmid} has no {backup_label(ref.volid)}; "
                f"/server backup list {request.vmid} shows its backups"
            )
        return ref

    def plan(self, request: RestoreRequest) -> Plan:
        node = self.locate(request.vmid).node
        ref = self._backup(request, node)
        running = self.px.power.status(node, request.vmid).status != "stopped"
        calls = [f"POST {self.vm_path(node, request.vmid, 'status', 'stop')}"] if running else []
        calls.append(f"POST /nodes/{node}/qemu (vmid={request.vmid}, archive={ref.volid}, force=1)")
        if running:
            calls.append(f"POST {self.vm_path(node, request.vmid, 'status', 'start')}")
        summary = f"Restore server {request.vmid} from the {backup_label(ref.volid)}" + (
            "; it will be stopped first and started again" if running else ""
        )
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=node,
            summary=summary,
            steps=self.step_names(),
            calls=tuple(calls),
            changes=(
                Change(what="disks", before="current contents", after=backup_label(ref.volid)),
            ),
            warnings=("everything written since that backup is lost",),
        )

    def prepare(self, request: RestoreRequest, context: Mapping[str, JSON]) -> StepResult:
        """Read-only: check the backup and VM, and record whether it runs. Kept apart from
        ``stop`` so a retried stop cannot forget that the VM was running before it."""
        node = self.locate(request.vmid).node
        ref = self._backup(request, node)
        config = self.px.config.get(node, request.vmid)
        ensure_unprotected(config, request.vmid, "overwritten by a restore")
        ensure_unlocked(config, request.vmid)
        running = self.px.power.status(node, request.vmid).status != "stopped"
        return StepResult(
            summary=f"restore from the {backup_label(ref.volid)} checked",
            context={
                **context,
                "node": node,
                "archive": ref.volid,
                "was_running": running,
                "tags": list(config.tags),
            },
        )

    def stop(self, request: RestoreRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        if self.px.power.status(node, request.vmid).status == "stopped":
            return StepResult(summary="it was already stopped", context=dict(context))
        upid = self.px.power.stop(node, request.vmid)
        return StepResult(
            summary="stopped for the restore",
            upid=str(upid),
            context=dict(context),
        )

    def restore(self, request: RestoreRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        ref = self._backup(request, node)
        ensure_unlocked(self.px.config.get(node, request.vmid), request.vmid)
        if self.px.power.status(node, request.vmid).status != "stopped":
            raise ActionError(
                f"server {request.vmid} is running; a restore needs it stopped "
                "(nothing was restored)"
            )
        upid = self.px.servers.restore(node, request.vmid, ref.volid, force=True)
        return StepResult(
            summary=f"restored from the {backup_label(ref.volid)}",
            upid=str(upid),
            context={**context, "node": node},
        )

    def retag(self, request: RestoreRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        tags = [str(t) for t in context.get("tags") or []]
        _, sent = update_config(
            self.px, node, request.vmid, lambda cfg: {} if cfg.tags == tags else {"tags": tags}
        )
        summary = "its owner and tags put back" if sent else "its owner and tags kept"
        return StepResult(summary=summary, context=dict(context))

    def start(self, request: RestoreRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        if not context.get("was_running"):
            return StepResult(summary="left stopped, as it was", context=dict(context))
        if self.px.power.status(node, request.vmid).status == "running":
            return StepResult(summary="it was already running", context=dict(context))
        upid = self.px.power.start(node, request.vmid)
        return StepResult(summary="started again", upid=str(upid), context=dict(context))
