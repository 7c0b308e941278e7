"""Resize cores, memory and one disk; disks only grow, relative sizes are frozen first.

Steps: ``prepare`` (check everything, turn ``+20G`` into an absolute byte count stored in the
context) → ``configure`` (cores/memory with digest; on a running VM read ``pending`` to say
what is live and what waits for a reboot) → ``grow_disk`` (absolute size: a retry is a no-op)
→ ``reboot`` (only with ``reboot=yes``, only while changes are pending).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, field_validator

from actions.base import JSON, ActionError, Change, Plan, Step, StepResult
from actions.common import (
    Changes,
    MemoryMiB,
    ServerAction,
    VmRequest,
    as_field_error,
    disk_name,
    ensure_unlocked,
    merged,
    update_config,
)
from actions.config import Limits
from actions.sizes import (
    GIB,
    MIB,
    memory_change,
    memory_size,
    parse_disk_size,
    pve_size,
    readable_size,
    size_change,
)
from actions.vm import digest_guarded
from proxmox.models import Disk, VmConfig


class ResizeRequest(VmRequest):
    cores: int | None = Field(default=None, ge=1)
    memory: MemoryMiB | None = None
    disk: str | None = None  # "50G" absolute or "+20G" relative
    disk_key: str | None = None  # default: the boot disk
    reboot: bool = False

    @field_validator("disk")
    @classmethod
    def _disk_parses(cls, value: str | None) -> str | None:
        if value is not None:
            as_field_error(lambda: parse_disk_size(value))
        return value.strip() if value else value


class ResizeAction(ServerAction[ResizeRequest]):
    name = "server.resize"
    request_model = ResizeRequest
    steps = (
        Step("prepare", says="checking the server"),
        Step("configure", says="changing CPU and memory"),
        Step("grow_disk", ("resize",), says="growing the disk"),
        Step("reboot", ("qmreboot",), says="rebooting"),
    )

    def plan(self, request: ResizeRequest) -> Plan:
        where = self.locate(request.vmid)
        config = self.px.config.get(where.node, request.vmid)
        running = self.px.power.status(where.node, request.vmid).status == "running"
        disk, target = self._disk_target(request, config)
        changes, calls = self._plan_changes(request, config, running, where.node)
        if disk is not None and target is not None:
            note = "live" if target > disk.size_bytes else "unchanged"
            before, after = size_change(disk.size_bytes, target)
            changes.append(
                Change(what=disk_name(config, disk), before=before, after=after, note=note)
            )
            if target > disk.size_bytes:
                calls.append(
                    f"PUT {self.vm_path(where.node, request.vmid, 'resize')} "
                    f"(disk={disk.key}, size={pve_size(target)})"
                )
        warnings = [f"VM is locked ({config.lock}); the resize waits for it"] if config.lock else []
        if request.reboot and running:
            calls.append(
                f"POST {self.vm_path(where.node, request.vmid, 'status', 'reboot')} "
                "(only if changes are pending)"
            )
        summary = f"Resize server {request.vmid}" + (f" ({config.name})" if config.name else "")
        if all(c.note == "unchanged" for c in changes):
            summary += ": nothing to change"
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=where.node,
            summary=summary,
            changes=tuple(changes),
            calls=tuple(calls),
            warnings=tuple(warnings),
            steps=self.step_names(),
        )

    def _plan_changes(
        self, request: ResizeRequest, config: VmConfig, running: bool, node: str
    ) -> tuple[list[Change], list[str]]:
        self._check_limits(request)
        changes: list[Change] = []
        later = "after reboot" if running else ""
        if request.cores is not None:
            note = later if request.cores != config.cores else "unchanged"
            changes.append(
                Change(what="cores", before=str(config.cores), after=str(request.cores), note=note)
            )
        if request.memory is not None:
            live = running and _memory_hotplugs(config) and request.memory > config.memory_mib
            note = "live" if live else later
            note = note if request.memory != config.memory_mib else "unchanged"
            before, after = size_change(config.memory_mib * MIB, request.memory * MIB)
            changes.append(Change(what="memory", before=before, after=after, note=note))
        wanted = _config_changes(request, config)
        calls = []
        if wanted:
            sent = ", ".join(f"{k}={v}" for k, v in wanted.items())
            calls.append(f"PUT {self.vm_path(node, request.vmid, 'config')} ({sent}, digest)")
            if running:
                calls.append(f"GET {self.vm_path(node, request.vmid, 'pending')}")
        return changes, calls

    def _check_limits(self, request: ResizeRequest) -> None:
        check_limits(self.config.limits, cores=request.cores, memory_mib=request.memory)

    def _disk_target(
        self, request: ResizeRequest, config: VmConfig
    ) -> tuple[Disk | None, int | None]:
        if request.disk is None:
            return None, None
        disk = _pick_disk(config, request.disk_key, request.vmid)
        target = parse_disk_size(request.disk).target(disk.size_bytes)
        if target < disk.size_bytes:
            raise ActionError(
                f"disk: the {disk_name(config, disk)} of server {request.vmid} is "
                f"{readable_size(disk.size_bytes)} and disks can only grow; "
                f"{readable_size(target)} would shrink it"
            )
        check_limits(self.config.limits, disk_bytes=target)
        return disk, target

    # -- steps -------------------------------------------------------------------------------

    def prepare(self, request: ResizeRequest, context: Mapping[str, JSON]) -> StepResult:
        where = self.locate(request.vmid)
        config = self.px.config.get(where.node, request.vmid)
        ensure_unlocked(config, request.vmid)
        self._check_limits(request)
        disk, target = self._disk_target(request, config)
        frozen: dict[str, JSON] = {"node": where.node}
        if disk is not None and target is not None:
            frozen |= {"disk_key": disk.key, "disk_bytes": target}
        shown = f"; the disk is to be {readable_size(target)}" if disk and target else ""
        return StepResult(
            summary=f"resize checked{shown}",
            context=merged(context, **frozen),
        )

    def configure(self, request: ResizeRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        before, sent = update_config(
            self.px, node, request.vmid, lambda current: _config_changes(request, current)
        )
        if not sent:
            return StepResult(
                summary="cores and memory already as asked", context=dict(context), skipped=True
            )
        if self.px.power.status(node, request.vmid).status != "running":
            done = _done(sent)
            return StepResult(
                summary=f"{done} (takes effect when the server starts)",
                context=dict(context),
            )
        waiting = {
            item.key
            for item in self.px.config.pending(node, request.vmid)
            if item.pending is not None or item.delete
        }
        # What waits for a reboot is said once, by the card's reboot line (from ``pending``);
        # the summary tells only what already took effect.
        described = _describe(sent, before)
        later = tuple(text for key, text in described.items() if key in waiting)
        live = {key: value for key, value in sent.items() if key not in waiting}
        return StepResult(
            summary=_done(live) if live else "",
            context=dict(context),
            pending=later,
            needs_reboot=bool(later),
        )

    def grow_disk(self, request: ResizeRequest, context: Mapping[str, JSON]) -> StepResult:
        key, target = context.get("disk_key"), context.get("disk_bytes")
        if not isinstance(key, str) or not isinstance(target, int):
            return StepResult(summary="no disk change asked", context=dict(context), skipped=True)
        node = self.where(request.vmid, context)

        def attempt() -> StepResult:
            config = self.px.config.get(node, request.vmid)
            ensure_unlocked(config, request.vmid)
            disk = _pick_disk(config, key, request.vmid)
            name = disk_name(config, disk)
            if disk.size_bytes >= target:
                return StepResult(
                    summary=f"{name} already {readable_size(disk.size_bytes)}",
                    context=dict(context),
                )
            upid = self.px.disks.resize(
                node, request.vmid, key, pve_size(target), digest=config.digest or None
            )
            change = f"{name} grown to {readable_size(target)}"
            return StepResult(
                summary=change, upid=str(upid) if upid else None, context=dict(context)
            )

        return digest_guarded(attempt)

    def reboot(self, request: ResizeRequest, context: Mapping[str, JSON]) -> StepResult:
        if not request.reboot:
            return StepResult(summary="no reboot asked", context=dict(context), skipped=True)
        node = self.where(request.vmid, context)
        if self.px.power.status(node, request.vmid).status != "running":
            return StepResult(
                summary="not rebooted: it is stopped; the changes take effect when it starts",
                context=dict(context),
            )
        # A reboot applies pending changes; with none left (a retry), rebooting again is noise.
        if not any(
            i.pending is not None or i.delete for i in self.px.config.pending(node, request.vmid)
        ):
            return StepResult(
                summary="not rebooted: nothing was waiting for a reboot", context=dict(context)
            )
        upid = self.px.power.reboot(node, request.vmid)
        return StepResult(
            summary="rebooted to apply the changes",
            upid=str(upid),
            context=dict(context),
        )


def check_limits(
    limits: Limits,
    *,
    cores: int | None = None,
    memory_mib: int | None = None,
    disk_bytes: int | None = None,
) -> None:
    if cores is not None and cores > limits.max_cores:
        raise ActionError(f"cores: at most {limits.max_cores} allowed, asked for {cores}")
    if memory_mib is not None and memory_mib > limits.max_memory_mib:
        raise ActionError(
            f"memory: at most {memory_size(limits.max_memory_mib)} allowed, "
            f"asked for {memory_size(memory_mib)}"
        )
    if disk_bytes is not None and disk_bytes > limits.max_disk_gib * GIB:
        raise ActionError(
            f"disk: at most {readable_size(limits.max_disk_gib * GIB)} allowed, "
            f"asked for {readable_size(disk_bytes)}"
        )


def _config_changes(request: ResizeRequest, config: VmConfig) -> Changes:
    changes: Changes = {}
    if request.cores is not None and request.cores != config.cores:
        changes["cores"] = request.cores
    if request.memory is not None and request.memory != config.memory_mib:
        changes["memory"] = request.memory
    return changes


def _describe(sent: Changes, before: VmConfig) -> dict[str, str]:
    """``cores 2 → 4``, ``memory 4 → 8 GiB``: what a change that waits for a reboot will do."""
    out = {}
    if "cores" in sent:
        out["cores"] = f"cores {before.cores} → {sent['cores']}"
    if "memory" in sent:
        out["memory"] = f"memory {memory_change(before.memory_mib, int(str(sent['memory'])))}"
    return out


def _done(sent: Changes) -> str:
    """``cores set to 4, memory set to 8 GiB``: what a finished change did, in plain words."""
    parts = []
    if "cores" in sent:
        parts.append(f"cores set to {sent['cores']}")
    if "memory" in sent:
        parts.append(f"memory set to {memory_size(int(str(sent['memory'])))}")
    return ", ".join(parts)


def _memory_hotplugs(config: VmConfig) -> bool:
    return config.numa and "memory" in (config.hotplug or "").split(",")


def _pick_disk(config: VmConfig, key: str | None, vmid: int) -> Disk:
    disk = config.disks.get(key) if key else config.boot_disk
    if disk is None:
        known = ", ".join(sorted(config.disks)) or "none"
        raise ActionError(
            f"disk: server {vmid} has no disk {key or '(boot disk)'} (disks: {known})"
        )
    return disk
