"""The clone → configure → grow → start sequence that build and rebuild share.

Every function checks before it acts, so running it twice ends in the same state:
a VM that already exists under the expected name is "already cloned" (or, while it still
carries lock ``clone``, is being cloned: the clone task is returned so the chain waits
for it), only differing config keys are sent, a disk at (or above) its target is left
alone, a running VM is not started again.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from actions.base import ActionError, StepResult
from actions.common import Changes, disk_name, update_config
from actions.sizes import memory_size, pve_size, readable_size
from actions.vm import digest_guarded, find_vm
from proxmox.errors import ProxmoxConflict, ProxmoxLocked
from proxmox.models import VmConfig
from proxmox.repositories import Proxmox
from proxmox.upid import UPID


class VmidTaken(ActionError):
    """The VMID a build reserved was taken outside the bot before the clone (``/cluster/
    nextid`` reserves nothing): nothing was cloned, so another VMID may be tried."""


class Profile(BaseModel):
    """What a provisioned VM is configured with (the JSON-able part of a build/rebuild)."""

    model_config = ConfigDict(frozen=True)

    name: str
    cores: int
    memory: int  # MiB
    tags: tuple[str, ...]
    ciuser: str | None = None
    sshkeys: str | None = None  # plain OpenSSH lines; the repository URL-encodes them
    # Plain string settings kept as they are: ipconfigN, nameserver, searchdomain.
    settings: dict[str, str] = {}


def ensure_clonable(px: Proxmox, template_node: str, template_vmid: int, node: str) -> None:
    """Refuse up front what Proxmox would refuse only at clone time: a template on local
    storage cannot be cloned to another node. (A rebuild must know this before it destroys.)"""
    if node == template_node:
        return
    shared = {s.storage for s in px.storage.list(template_node) if s.shared}
    disks = px.config.get(template_node, template_vmid).disks.values()
    local = sorted({d.volume.partition(":")[0] for d in disks} - shared)
    if local:
        raise ActionError(
            f"template {template_vmid} is on {template_node} with local storage "
            f"({', '.join(local)}), so it cannot be cloned to {node}; nothing was changed"
        )


def clone_into(
    px: Proxmox,
    *,
    template_node: str,
    template_vmid: int,
    vmid: int,
    node: str,
    name: str,
    storage: str,
) -> StepResult:
    existing = find_vm(px.cluster, vmid)
    if existing is not None:
        if existing.name != name:
            raise VmidTaken(
                f"vmid: {vmid} is already used by another server "
                f"({existing.name or 'unnamed'}); nothing was cloned"
            )
        if existing.lock == "clone":
            return _clone_in_progress(px, template_node, template_vmid, vmid, name)
        return StepResult(summary=f"server {vmid} ({name}) was already copied")
    try:
        upid = px.servers.clone(
            template_node,
            template_vmid,
            vmid,
            name=name,
            storage=storage,
            full=True,
            target=node if node != template_node else None,
        )
    except ProxmoxConflict as exc:
        raise VmidTaken(
            f"vmid: {vmid} was taken meanwhile ({exc.message}); nothing was cloned"
        ) from None
    return StepResult(summary=f"template copied into server {vmid} ({name})", upid=str(upid))


def _clone_in_progress(
    px: Proxmox, template_node: str, template_vmid: int, vmid: int, name: str
) -> StepResult:
    """An earlier attempt's clone is still copying (its answer was lost, or the worker
    died before recording it). Its task runs on the template's node under the template's
    VMID; hand back that task so the next steps wait for it instead of hitting the lock.
    With several clones of the template running, the newest is taken (the task list does
    not say which VM a clone writes to); a lock left after an older one ends is retried."""
    running = px.tasks.list(
        template_node, vmid=template_vmid, source="active", typefilter="qmclone", limit=10
    )
    ours = px.client.token_id  # a clone someone else started is not ours to wait for
    upids = [str(t["upid"]) for t in running if _started_by(t.get("upid"), ours)]
    if not upids:
        # Finished between the two reads, or never listed: let the step try again shortly.
        raise ProxmoxLocked(
            f"VM is locked (clone): server {vmid} ({name}) is still being cloned",
            method="GET",
            path=f"/nodes/{template_node}/tasks",
        )
    return StepResult(
        summary=f"template copied into server {vmid} ({name}) (by an earlier attempt)",
        upid=upids[0],
    )


def _started_by(upid: object, user: str) -> bool:
    return UPID.is_valid(upid) and UPID.parse(upid).user == user


def apply_profile(px: Proxmox, node: str, vmid: int, profile: Profile) -> StepResult:
    _, sent = update_config(px, node, vmid, lambda current: profile_changes(profile, current))
    if not sent:
        return StepResult(summary="settings were already as asked")
    shown = ", ".join(_shown(key, value) for key, value in sent.items())
    return StepResult(summary=f"set up with {shown}")


def profile_changes(profile: Profile, config: VmConfig) -> Changes:
    wanted: Changes = {"name": profile.name, "cores": profile.cores, "memory": profile.memory}
    current: dict[str, object] = {
        "name": config.name,
        "cores": config.cores,
        "memory": config.memory_mib,
    }
    if sorted(profile.tags) != sorted(config.tags):
        wanted["tags"] = list(profile.tags)
    if profile.ciuser is not None:
        wanted["ciuser"], current["ciuser"] = profile.ciuser, config.ciuser
    if profile.sshkeys is not None:
        wanted["sshkeys"] = profile.sshkeys.strip()
        current["sshkeys"] = (config.sshkeys or "").strip()
    for key, value in profile.settings.items():
        raw = config.raw.get(key)
        wanted[key], current[key] = value, None if raw is None else str(raw)
    return {k: v for k, v in wanted.items() if k == "tags" or current.get(k) != v}


def grow_to(px: Proxmox, node: str, vmid: int, target: int) -> StepResult:
    """Grow the boot disk to ``target`` bytes (absolute), guarded by digest."""

    def attempt() -> StepResult:
        config = px.config.get(node, vmid)
        disk = config.boot_disk
        if disk is None:
            raise ActionError(f"server {vmid} has no boot disk to grow")
        if disk.size_bytes >= target:
            return StepResult(
                summary=f"{disk_name(config, disk)} already {readable_size(disk.size_bytes)}"
            )
        upid = px.disks.resize(node, vmid, disk.key, pve_size(target), digest=config.digest or None)
        return StepResult(
            summary=f"{disk_name(config, disk)} grown to {readable_size(target)}",
            upid=str(upid) if upid else None,
        )

    return digest_guarded(attempt)


def start_unless_running(px: Proxmox, node: str, vmid: int) -> StepResult:
    if px.power.status(node, vmid).status == "running":
        return StepResult(summary="it was already running")
    return StepResult(summary="started", upid=str(px.power.start(node, vmid)))


def _shown(key: str, value: object) -> str:
    if key == "sshkeys":
        return f"sshkeys ({len(str(value).splitlines())} key(s))"
    if key == "tags" and isinstance(value, list):
        return "tags " + ";".join(str(v) for v in value)
    if key == "memory":
        return f"memory {memory_size(int(str(value)))}"
    return f"{key} {value}"
