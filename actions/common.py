"""Plumbing every server Action shares: the request base, where the VM is, lock and digest.

Steps receive the context of the steps before them and return it extended (never trimmed),
so the jobs layer may either merge or replace contexts between steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, field_validator

from actions.base import JSON, Action, ActionError
from actions.config import ActionsConfig
from actions.sizes import parse_memory_mib
from actions.vm import VMID_MAX, VMID_MIN, Located, digest_guarded, locate
from proxmox.errors import ProxmoxLocked
from proxmox.models import Disk, VmConfig
from proxmox.repositories import Proxmox

R = TypeVar("R", bound=BaseModel)
M = TypeVar("M", bound=BaseModel)
Changes = dict[str, object]


class VmRequest(BaseModel):
    """A request about one existing VM; the VMID range is checked when it is built."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vmid: int

    @field_validator("vmid")
    @classmethod
    def _vmid_in_range(cls, value: int) -> int:
        if not VMID_MIN <= value <= VMID_MAX:
            raise ValueError(f"expected a number from {VMID_MIN} to {VMID_MAX}, got {value}")
        return value


class ServerAction(Action[R]):
    """An Action over the Proxmox repositories with the Actions configuration."""

    def __init__(self, px: Proxmox, config: ActionsConfig) -> None:
        self.px = px
        self.config = config

    def where(self, vmid: int, context: Mapping[str, JSON]) -> str:
        """The VM's node: from an earlier step's context, else one cluster lookup."""
        node = context.get("node")
        return node if isinstance(node, str) else locate(self.px.cluster, vmid).node

    def locate(self, vmid: int) -> Located:
        return locate(self.px.cluster, vmid)

    def vm_path(self, node: str, vmid: int, *rest: str) -> str:
        """A path as shown in plans (``/nodes/pve1/qemu/101/config``)."""
        return "/".join(("", "nodes", node, "qemu", str(vmid), *rest)).rstrip("/")


def parse_request(model: type[M], args: Mapping[str, Any]) -> M:
    """Validate job arguments into a request; failures become one ActionError naming fields."""
    try:
        return model.model_validate(dict(args))
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_input=False, include_url=False):
            field = ".".join(str(p) for p in err["loc"]) or "request"
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{field}: {message}" if not message.startswith(field) else message)
        raise ActionError("; ".join(problems)) from None


def as_field_error(parse: Callable[[], object]) -> object:
    """Inside a pydantic validator a refusal must be a ValueError to become a field error."""
    try:
        return parse()
    except ActionError as exc:
        raise ValueError(str(exc)) from None


def _memory_input(value: object) -> object:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return as_field_error(lambda: parse_memory_mib(value))
    return value


# Memory in MiB, as config keeps it; "8G", "512M" and "8192" (MiB) are accepted on input.
MemoryMiB = Annotated[int, BeforeValidator(_memory_input)]


def ensure_unlocked(config: VmConfig, vmid: int, *, allow: tuple[str, ...] = ()) -> None:
    """A locked VM is refused before any write, with the retryable error naming the lock."""
    if config.lock and config.lock not in allow:
        raise locked(vmid, config.lock)


def locked(vmid: int, lock: str) -> ProxmoxLocked:
    """The retryable error for a locked VM; ``.lock`` names the lock."""
    return ProxmoxLocked(
        f"server {vmid}: VM is locked ({lock}); try again when that operation ends"
    )


def ensure_unprotected(config: VmConfig, vmid: int, doing: str) -> None:
    if config.protection:
        raise ActionError(
            f"server {vmid} is protected (protection=1), so it cannot be {doing}; "
            "an admin must turn protection off first"
        )


def update_config(
    px: Proxmox,
    node: str,
    vmid: int,
    changes_for: Callable[[VmConfig], Changes],
    *,
    allow_locks: tuple[str, ...] = (),
) -> tuple[VmConfig, Changes]:
    """Read the config, PUT only what differs, guarded by ``digest``.

    On a digest mismatch (someone else edited the VM in between) the config is read again
    and the changes recomputed once; a second mismatch raises ``ProxmoxConflict``. Returns
    the config as it was before the update and the changes sent (empty: nothing to do).
    """

    def attempt() -> tuple[VmConfig, Changes]:
        current = px.config.get(node, vmid)
        ensure_unlocked(current, vmid, allow=allow_locks)
        changes = changes_for(current)
        if changes:
            px.config.update(node, vmid, changes, digest=current.digest or None)
        return current, changes

    return digest_guarded(attempt)


def merged(context: Mapping[str, JSON], **more: JSON) -> dict[str, JSON]:
    return {**context, **more}


def disk_name(config: VmConfig, disk: Disk) -> str:
    """A disk as its owner knows it, never by bus name (``scsi0``): ``disk`` when the server
    has one, else ``boot disk`` or ``second disk``, ``third disk`` (boot disk first, then by
    key; in words, so that "second disk 10 → 20 GiB" has one number per size)."""
    if len(config.disks) <= 1:
        return "disk"
    boot = config.boot_disk
    if boot is not None and disk.key == boot.key:
        return "boot disk"
    rest = sorted(k for k in config.disks if boot is None or k != boot.key)
    if disk.key not in rest:
        return "disk"
    place = rest.index(disk.key) + (2 if boot else 1)
    return f"{_ORDINALS[place]} disk" if place < len(_ORDINALS) else f"disk number {place}"


_ORDINALS = ("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
