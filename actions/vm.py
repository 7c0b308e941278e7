"""A VM as Actions meet it: find it (validate the VMID, ask the cluster which node holds it)
and change its config or disks guarded by the config ``digest``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from actions.base import ActionError
from proxmox.errors import ProxmoxConflict
from proxmox.models import ClusterResource
from proxmox.repositories import ClusterRepository

T = TypeVar("T")
VMID_MIN = 100
VMID_MAX = 999_999_999


class Located(BaseModel):
    """Where a VM lives, from one ``/cluster/resources`` read."""

    model_config = ConfigDict(frozen=True)

    vmid: int
    node: str
    name: str | None = None
    status: str | None = None
    template: bool = False
    lock: str | None = None
    tags: tuple[str, ...] = ()


def check_vmid(vmid: int) -> int:
    if not VMID_MIN <= vmid <= VMID_MAX:
        raise ActionError(f"vmid: expected a number from {VMID_MIN} to {VMID_MAX}, got {vmid}")
    return vmid


def find_vm(cluster: ClusterRepository, vmid: int) -> Located | None:
    """The VM's location, or None when no VM has this id (a container is not a VM)."""
    return find_in(cluster.resources("vm"), check_vmid(vmid))


def find_in(resources: list[ClusterResource], vmid: int) -> Located | None:
    """The same, from a ``/cluster/resources`` answer already read."""
    for resource in resources:
        if resource.vmid == vmid and resource.type == "qemu" and resource.node:
            return _located(resource)
    return None


def locate(cluster: ClusterRepository, vmid: int) -> Located:
    found = find_vm(cluster, vmid)
    if found is None:
        raise ActionError(f"server {vmid} does not exist")
    return found


def _located(resource: ClusterResource) -> Located:
    assert resource.vmid is not None
    assert resource.node is not None
    return Located(
        vmid=resource.vmid,
        node=resource.node,
        name=resource.name,
        status=resource.status,
        template=resource.template,
        lock=resource.lock,
        tags=tuple(resource.tags),
    )


def digest_guarded(attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (read the config, then write with its ``digest``). On a digest
    mismatch someone else edited the VM in between: read and decide once more from the
    fresh config; a second mismatch raises ``ProxmoxConflict``."""
    try:
        return attempt()
    except ProxmoxConflict as exc:
        if not exc.digest_mismatch:
            raise
    return attempt()
