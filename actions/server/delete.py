"""Delete a server: stop it if it runs, then destroy it with its disks.

A VM that is already gone counts as deleted (a retried job must not fail at the finish
line). A protected VM (``protection=1``) is refused before anything is touched. The
context names the former owner so the jobs layer can drop the inventory entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.base import JSON, STOP_TASKS, ActionError, Change, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest, ensure_unlocked, ensure_unprotected
from actions.vm import Located, find_vm
from proxmox.models import VmConfig


class DeleteRequest(VmRequest):
    pass


class DeleteAction(ServerAction[DeleteRequest]):
    name = "server.delete"
    request_model = DeleteRequest
    steps = (
        Step("stop", STOP_TASKS, says="stopping it"),
        Step("destroy", ("qmdestroy",), says="deleting it"),
    )

    def plan(self, request: DeleteRequest) -> Plan:
        found = find_vm(self.px.cluster, request.vmid)
        if found is None:
            return Plan(
                action=self.name,
                vmid=request.vmid,
                summary=f"Server {request.vmid} does not exist: nothing to delete",
            )
        config = self.px.config.get(found.node, request.vmid)
        ensure_unprotected(config, request.vmid, "deleted")
        running = self.px.power.status(found.node, request.vmid).status != "stopped"
        calls = (
            [f"POST {self.vm_path(found.node, request.vmid, 'status', 'stop')}"] if running else []
        )
        calls.append(
            f"DELETE {self.vm_path(found.node, request.vmid)} "
            "(purge=1, destroy-unreferenced-disks=1)"
        )
        disks = ", ".join(f"{d.key} {d.volume}" for d in config.disks.values()) or "none"
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=found.node,
            summary=f"Delete server {request.vmid}"
            + (f" ({config.name})" if config.name else "")
            + f" and all its disks ({disks}); this cannot be undone",
            changes=(
                Change(what="server", before="running" if running else "stopped", after="deleted"),
            ),
            calls=tuple(calls),
            steps=self.step_names(),
            warnings=(f"VM is locked ({config.lock})",) if config.lock else (),
        )

    def _deletable(
        self, request: DeleteRequest, context: Mapping[str, JSON]
    ) -> tuple[Located, VmConfig] | StepResult:
        """The VM and its config, checked (not protected, not locked); or, when it is
        already gone, the step's result: deleting a deleted VM is a success."""
        found = find_vm(self.px.cluster, request.vmid)
        if found is None:
            return StepResult(summary="it was already gone", context={**context, "gone": True})
        config = self.px.config.get(found.node, request.vmid)
        ensure_unprotected(config, request.vmid, "deleted")
        ensure_unlocked(config, request.vmid)
        return found, config

    def stop(self, request: DeleteRequest, context: Mapping[str, JSON]) -> StepResult:
        checked = self._deletable(request, context)
        if isinstance(checked, StepResult):
            return checked
        found, config = checked
        owner = self.config.owner_of(config.tags)
        more: dict[str, JSON] = {"node": found.node, "owner": owner, "name": config.name}
        if self.px.power.status(found.node, request.vmid).status == "stopped":
            return StepResult(summary="it was already stopped", context={**context, **more})
        upid = self.px.power.stop(found.node, request.vmid)
        return StepResult(summary="stopped", upid=str(upid), context={**context, **more})

    def destroy(self, request: DeleteRequest, context: Mapping[str, JSON]) -> StepResult:
        checked = self._deletable(request, context)
        if isinstance(checked, StepResult):
            return checked
        found, _ = checked
        if self.px.power.status(found.node, request.vmid).status != "stopped":
            raise ActionError(
                f"server {request.vmid} is running again (someone started it "
                "after the stop step); it was not deleted"
            )
        upid = self.px.servers.destroy(
            found.node, request.vmid, purge=True, destroy_unreferenced_disks=True
        )
        return StepResult(
            summary="deleted with its disks",
            upid=str(upid),
            context={**context, "node": found.node},
        )
