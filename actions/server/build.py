"""Build a new server for an account from a named template (admin).

Steps: ``allocate`` (check template, node, storage, sizes and limits; reserve a VMID
through ``VmidReservations`` — ``/cluster/nextid`` reserves nothing, so a VMID another
build holds is skipped) → ``clone`` (full clone to the configured storage) → ``configure``
(cores, memory, name, owner tag, cloud-init user, SSH keys, ``ipconfig0``) → ``grow_disk``
(absolute size) → ``start`` (optional). The VMID lives in the context from step one on, so
a retried step never clones a second VM.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.base import (
    JSON,
    START_TASKS,
    ActionError,
    Change,
    Plan,
    Step,
    StepResult,
    VmidReservations,
)
from actions.common import MemoryMiB, ServerAction, as_field_error
from actions.config import ActionsConfig, resolve_template
from actions.server import provision
from actions.server.resize import check_limits
from actions.sizes import memory_size, parse_disk_size, readable_size
from actions.vm import VMID_MAX, VMID_MIN
from proxmox.errors import ProxmoxConflict, ProxmoxParameterError
from proxmox.models import ClusterResource
from proxmox.repositories import Proxmox

_MAX_TRIES = 20


class BuildRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    template: str | None = None
    cores: int = Field(ge=1)
    memory: MemoryMiB
    disk: str  # absolute only, e.g. "50G"
    name: str | None = Field(
        default=None, pattern=r"^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,61}[a-zA-Z0-9])?$"
    )
    node: str | None = None
    ciuser: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_-]{0,31}$")
    sshkeys: str | None = None
    ipconfig0: str = "ip=dhcp"
    start: bool = True
    vmid: int | None = Field(default=None, ge=VMID_MIN, le=VMID_MAX)
    # Who holds the VMID reservation; the jobs layer passes its job id for a unique value.
    holder: str | None = None

    @field_validator("disk")
    @classmethod
    def _disk_absolute(cls, value: str) -> str:
        size = as_field_error(lambda: parse_disk_size(value))
        if getattr(size, "relative", False):
            raise ValueError(f"disk: a new server needs an absolute size like 50G, got {value!r}")
        return value.strip()

    @property
    def disk_bytes(self) -> int:
        return parse_disk_size(self.disk).bytes


class BuildAction(ServerAction[BuildRequest]):
    name = "server.build"
    request_model = BuildRequest
    steps = (
        Step("allocate", says="choosing a server number"),
        Step("clone", finds_own_task=True, says="copying the template"),
        Step("configure", says="setting it up"),
        Step("grow_disk", ("resize",), says="growing the disk"),
        Step("start", START_TASKS, says="starting it"),
    )

    def __init__(self, px: Proxmox, config: ActionsConfig, reservations: VmidReservations) -> None:
        super().__init__(px, config)
        self.reservations = reservations

    def plan(self, request: BuildRequest) -> Plan:
        template, node = self._check(request)
        where = f"/nodes/{template.node}/qemu/{template.vmid}"
        calls = [
            "GET /cluster/nextid (VMID reserved for this build)",
            f"POST {where}/clone (full=1, storage={self.config.clone_storage}"
            + (f", target={node})" if node != template.node else ")"),
            "PUT …/config (name, cores, memory, tags, ciuser, sshkeys, ipconfig0, digest)",
            f"PUT …/resize (size={request.disk})",
        ]
        if request.start:
            calls.append("POST …/status/start")
        return Plan(
            action=self.name,
            node=node,
            vmid=request.vmid,
            steps=self.step_names(),
            calls=tuple(calls),
            summary=f"Build a server for {request.account} from template {template.name} "
            f"({template.vmid}) on {node}",
            changes=(
                Change(what="cores", before="-", after=str(request.cores)),
                Change(what="memory", before="-", after=memory_size(request.memory)),
                Change(what="disk", before="-", after=readable_size(request.disk_bytes)),
                Change(what="owner", before="-", after=self.config.owner_tag(request.account)),
            ),
        )

    def _check(self, request: BuildRequest) -> tuple[ClusterResource, str]:
        """Everything that can be refused before a VMID is taken; no writes."""
        check_limits(
            self.config.limits,
            cores=request.cores,
            memory_mib=request.memory,
            disk_bytes=request.disk_bytes,
        )
        self.config.owner_tag(request.account)
        resources = self.px.cluster.resources("vm")
        template = resolve_template(
            self.config, request.template, resources, prefer_node=request.node
        )
        assert template.node is not None
        assert template.vmid is not None
        node = request.node or template.node
        nodes = [n.node for n in self.px.cluster.nodes()]
        if node not in nodes:
            raise ActionError(f"node: no node {node!r} (nodes: {', '.join(sorted(nodes))})")
        storages = [s.storage for s in self.px.storage.list(node, content="images")]
        if self.config.clone_storage not in storages:
            raise ActionError(
                f"storage: {self.config.clone_storage!r} is not available for "
                f"disks on {node} (available: {', '.join(storages) or 'none'})"
            )
        provision.ensure_clonable(self.px, template.node, template.vmid, node)
        base = self.px.config.get(template.node, template.vmid).boot_disk
        if base is not None and base.size_bytes > request.disk_bytes:
            raise ActionError(
                f"disk: template {template.name} has a {readable_size(base.size_bytes)}"
                f" disk; ask for at least that, not {readable_size(request.disk_bytes)}"
            )
        return template, node

    # -- steps -------------------------------------------------------------------------------

    def allocate(self, request: BuildRequest, context: Mapping[str, JSON]) -> StepResult:
        template, node = self._check(request)
        holder = request.holder or f"build:{request.account}:{request.name or ''}"
        vmid = self._reserve(request.vmid, holder)
        name = request.name or f"{request.account}-{vmid}"
        return StepResult(
            summary=f"VMID {vmid} reserved for {name}",
            context={
                **context,
                "vmid": vmid,
                "node": node,
                "name": name,
                "template_vmid": template.vmid,
                "template_node": template.node,
            },
        )

    def _reserve(self, wish: int | None, holder: str) -> int:
        candidate = self._free_from(wish, exact=wish is not None)
        for _ in range(_MAX_TRIES):
            if self.reservations.reserve(candidate, holder):
                return candidate
            if wish is not None:
                raise ActionError(f"vmid: {wish} is reserved by another build in progress")
            candidate = self._free_from(candidate + 1, exact=False)
        raise ActionError(f"could not reserve a free VMID after {_MAX_TRIES} tries; try again")

    def _free_from(self, start: int | None, *, exact: bool) -> int:
        """The first VMID from ``start`` that Proxmox says is free (``nextid?vmid=`` checks)."""
        if start is None:
            return self.px.cluster.next_id()
        for candidate in range(start, start + _MAX_TRIES):
            try:
                return self.px.cluster.next_id(candidate)
            except (ProxmoxParameterError, ProxmoxConflict):
                if exact:
                    raise ActionError(f"vmid: {start} is already in use") from None
        raise ActionError(f"no free VMID from {start} to {start + _MAX_TRIES - 1}")

    def clone(self, request: BuildRequest, context: Mapping[str, JSON]) -> StepResult:
        """Clone into the reserved VMID; if something outside the bot took it meanwhile
        (Proxmox says it "already exists"), reserve the next free one and clone there —
        unless the admin asked for that exact VMID."""
        ctx = dict(context)
        for _ in range(_MAX_TRIES):
            try:
                result = self._clone_into(ctx)
            except provision.VmidTaken:
                if request.vmid is not None:
                    raise
                taken = _ints(ctx, "vmid")
                holder = request.holder or f"build:{request.account}:{request.name or ''}"
                ctx["vmid"] = self._reserve(None, holder)
                self.reservations.release(taken)
                if not request.name:
                    ctx["name"] = f"{request.account}-{ctx['vmid']}"
                continue
            return result.model_copy(update={"context": ctx})
        raise ActionError(f"could not find a free VMID after {_MAX_TRIES} tries; try again")

    def _clone_into(self, context: Mapping[str, JSON]) -> StepResult:
        return provision.clone_into(
            self.px,
            template_node=str(context["template_node"]),
            template_vmid=_ints(context, "template_vmid"),
            vmid=_ints(context, "vmid"),
            node=str(context["node"]),
            name=str(context["name"]),
            storage=self.config.clone_storage,
        )

    def configure(self, request: BuildRequest, context: Mapping[str, JSON]) -> StepResult:
        vmid, node = _ints(context, "vmid"), str(context["node"])
        profile = provision.Profile(
            name=str(context["name"]),
            cores=request.cores,
            memory=request.memory,
            tags=(self.config.owner_tag(request.account),),
            ciuser=request.ciuser,
            sshkeys=request.sshkeys,
            settings={"ipconfig0": request.ipconfig0},
        )
        result = provision.apply_profile(self.px, node, vmid, profile)
        # The VM exists now, which is what keeps others off this VMID.
        self.reservations.release(vmid)
        return result.model_copy(update={"context": dict(context)})

    def grow_disk(self, request: BuildRequest, context: Mapping[str, JSON]) -> StepResult:
        vmid, node = _ints(context, "vmid"), str(context["node"])
        result = provision.grow_to(self.px, node, vmid, request.disk_bytes)
        return result.model_copy(update={"context": dict(context)})

    def start(self, request: BuildRequest, context: Mapping[str, JSON]) -> StepResult:
        vmid, node = _ints(context, "vmid"), str(context["node"])
        if not request.start:
            return StepResult(summary="left stopped, as asked", context=dict(context))
        result = provision.start_unless_running(self.px, node, vmid)
        return result.model_copy(update={"context": dict(context)})


def _ints(context: Mapping[str, JSON], key: str) -> int:
    value = context.get(key)
    if not isinstance(value, int):
        raise ActionError(f"internal: step context lacks {key}; run the steps in order")
    return value
