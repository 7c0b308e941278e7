"""Rebuild (reinstall): same VMID, owner, name and size, fresh disk from a template.

Steps: ``prepare`` (read the VM once and keep what must survive — name, tags, cores,
memory, boot disk size, cloud-init user, keys, ip configs, whether it ran — in the context)
→ ``backup`` (only with ``backup=yes``) → ``stop`` → ``destroy`` → ``clone`` (the template
into the same VMID) → ``configure`` → ``grow_disk`` → ``start`` (if it was running, or
``start=yes``). The old VM is read only in ``prepare``; later steps use the context.
"""

from __future__ import annotations

from collections.abc import Mapping

from actions.backup.create import backup_notes, start_backup
from actions.base import JSON, START_TASKS, STOP_TASKS, ActionError, Change, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest, ensure_unlocked, ensure_unprotected, locked
from actions.config import resolve_template
from actions.server import provision
from actions.sizes import human_bytes
from actions.vm import find_in, find_vm

_KEPT_SETTINGS = ("nameserver", "searchdomain")


class RebuildRequest(VmRequest):
    template: str | None = None
    backup: bool = False
    start: bool | None = None  # default: start again if it was running
    requested_by: str = ""


class RebuildAction(ServerAction[RebuildRequest]):
    name = "server.rebuild"
    request_model = RebuildRequest
    steps = (
        Step("prepare", says="checking the server"),
        Step("backup", ("vzdump",), says="taking a backup first"),
        Step("stop", STOP_TASKS, says="stopping it"),
        Step("destroy", ("qmdestroy",), says="removing the old system"),
        Step("clone", finds_own_task=True, says="copying the template"),
        Step("configure", says="setting it up"),
        Step("grow_disk", ("resize",), says="growing the disk"),
        Step("start", START_TASKS, says="starting it"),
    )

    def plan(self, request: RebuildRequest) -> Plan:
        keep = self._snapshot(request)
        node, vmid = str(keep["node"]), request.vmid
        calls = (
            [f"POST /nodes/{node}/vzdump (vmid={vmid}, mode=snapshot, compress=zstd, remove=0)"]
            if request.backup
            else []
        )
        if keep["was_running"]:
            calls.append(f"POST {self.vm_path(node, vmid, 'status', 'stop')}")
        calls += [
            f"DELETE {self.vm_path(node, vmid)} (destroy-unreferenced-disks=1)",
            f"POST /nodes/{keep['template_node']}/qemu/{keep['template_vmid']}/clone "
            f"(newid={vmid}, full=1, storage={self.config.clone_storage})",
            f"PUT {self.vm_path(node, vmid, 'config')} (name, cores, memory, tags, cloud-init)",
            f"PUT {self.vm_path(node, vmid, 'resize')} (boot disk to "
            f"{human_bytes(int(keep['disk_bytes']))})",
        ]
        if _should_start(request, keep):
            calls.append(f"POST {self.vm_path(node, vmid, 'status', 'start')}")
        warnings = [] if request.backup else ["all data on the server is lost (no backup asked)"]
        # The password is stored hashed; it cannot be carried over.
        warnings.append("the password is not kept: set a new one afterwards")
        return Plan(
            action=self.name,
            vmid=vmid,
            node=node,
            steps=self.step_names(),
            calls=tuple(calls),
            warnings=tuple(warnings),
            summary=f"Rebuild server {vmid} ({keep['name']}) from template "
            f"{keep['template_name']}, keeping its size, name and owner",
            changes=(
                Change(
                    what="system disk",
                    before="current contents",
                    after=f"fresh {keep['template_name']}",
                ),
            ),
        )

    def _snapshot(self, request: RebuildRequest) -> dict[str, JSON]:
        resources = self.px.cluster.resources("vm")
        where = find_in(resources, request.vmid)
        if where is None:
            raise ActionError(f"server {request.vmid} does not exist")
        config = self.px.config.get(where.node, request.vmid)
        ensure_unprotected(config, request.vmid, "rebuilt")
        template = resolve_template(
            self.config, request.template, resources, prefer_node=where.node
        )
        assert template.node is not None
        assert template.vmid is not None
        provision.ensure_clonable(self.px, template.node, template.vmid, where.node)
        kept = {k: str(config.raw[k]) for k in _KEPT_SETTINGS if k in config.raw}
        disk = config.boot_disk
        status = self.px.power.status(where.node, request.vmid)
        return {
            "node": where.node,
            "name": config.name or f"server-{request.vmid}",
            "cores": config.cores,
            "memory": config.memory_mib,
            "tags": list(config.tags),
            "ciuser": config.ciuser,
            "sshkeys": config.sshkeys,
            "settings": {**config.ipconfig, **kept},
            "disk_bytes": disk.size_bytes if disk else 0,
            "was_running": status.status != "stopped",
            "template_vmid": template.vmid,
            "template_node": template.node,
            "template_name": template.name,
            "lock": config.lock,
        }

    # -- steps -------------------------------------------------------------------------------

    def prepare(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        keep = self._snapshot(request)
        if keep["lock"]:
            raise locked(request.vmid, str(keep["lock"]))
        return StepResult(
            summary="checked; its settings are kept",
            context={**context, **keep},
        )

    def backup(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        if not request.backup:
            return StepResult(summary="no backup asked", context=dict(context), skipped=True)
        node = str(context["node"])
        notes = backup_notes(request.requested_by, "before rebuild")
        upid = start_backup(self.px, self.config, node, request.vmid, notes)
        return StepResult(summary="backed up first", upid=str(upid), context=dict(context))

    def stop(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        node = str(context["node"])
        if find_vm(self.px.cluster, request.vmid) is None:
            return StepResult(summary="it was already gone", context=dict(context))
        if self.px.power.status(node, request.vmid).status == "stopped":
            return StepResult(summary="it was already stopped", context=dict(context))
        return StepResult(
            summary="stopped",
            context=dict(context),
            upid=str(self.px.power.stop(node, request.vmid)),
        )

    def destroy(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        node = str(context["node"])
        if find_vm(self.px.cluster, request.vmid) is None:
            return StepResult(summary="the old server was already gone", context=dict(context))
        config = self.px.config.get(node, request.vmid)
        ensure_unprotected(config, request.vmid, "rebuilt")
        ensure_unlocked(config, request.vmid)
        if self.px.power.status(node, request.vmid).status != "stopped":
            raise ActionError(
                f"server {request.vmid} is running again; it was not rebuilt "
                "(nothing was destroyed)"
            )
        upid = self.px.servers.destroy(
            # No purge: the VMID lives on, and purge would drop it from backup jobs,
            # replication and HA.
            node,
            request.vmid,
            purge=False,
            destroy_unreferenced_disks=True,
        )
        return StepResult(
            summary="old disks removed",
            upid=str(upid),
            context=dict(context),
        )

    def clone(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        result = provision.clone_into(
            self.px,
            template_node=str(context["template_node"]),
            template_vmid=int(str(context["template_vmid"])),
            vmid=request.vmid,
            node=str(context["node"]),
            name=str(context["name"]),
            storage=self.config.clone_storage,
        )
        return result.model_copy(update={"context": dict(context)})

    def configure(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        settings = context.get("settings")
        profile = provision.Profile(
            name=str(context["name"]),
            cores=int(str(context["cores"])),
            memory=int(str(context["memory"])),
            tags=tuple(_strs(context.get("tags"))),
            ciuser=_opt(context.get("ciuser")),
            sshkeys=_opt(context.get("sshkeys")),
            settings={str(k): str(v) for k, v in settings.items()}
            if isinstance(settings, dict)
            else {},
        )
        result = provision.apply_profile(self.px, str(context["node"]), request.vmid, profile)
        return result.model_copy(update={"context": dict(context)})

    def grow_disk(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        target = int(str(context.get("disk_bytes") or 0))
        result = provision.grow_to(self.px, str(context["node"]), request.vmid, target)
        return result.model_copy(update={"context": dict(context)})

    def start(self, request: RebuildRequest, context: Mapping[str, JSON]) -> StepResult:
        if not _should_start(request, context):
            return StepResult(summary="rebuilt; left stopped", context=dict(context))
        result = provision.start_unless_running(self.px, str(context["node"]), request.vmid)
        return result.model_copy(update={"context": dict(context)})


def _should_start(request: RebuildRequest, keep: Mapping[str, JSON]) -> bool:
    return request.start if request.start is not None else bool(keep.get("was_running"))


def _strs(value: JSON) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _opt(value: JSON) -> str | None:
    return str(value) if value else None
