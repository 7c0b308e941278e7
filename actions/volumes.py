"""Backup volume ids, and the proof that one belongs to a given VM.

Only two shapes are accepted, matched in full so that no ``../``, extra ``/`` or suffix can
slip through: a directory-storage vzdump archive
``<storage>:backup/vzdump-qemu-<vmid>-YYYY_MM_DD-HH_MM_SS.vma[.zst|.gz|.lzo]`` and a Proxmox
Backup Server snapshot ``<storage>:backup/vm/<vmid>/YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from actions.base import ActionError

_STORAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_VZDUMP = re.compile(
    r"^backup/vzdump-qemu-(?P<vmid>[1-9]\d{2,8})-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}"
    r"\.vma(?:\.(?:zst|gz|lzo))?$"
)
_PBS = re.compile(r"^backup/vm/(?P<vmid>[1-9]\d{2,8})/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class BackupRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    volid: str
    storage: str
    volume: str
    vmid: int


def parse_backup_volid(volid: str) -> BackupRef:
    """Split and check a backup volid; anything but the two known shapes is refused."""
    storage, sep, volume = volid.strip().partition(":")
    match = (_VZDUMP.match(volume) or _PBS.match(volume)) if sep else None
    if not _STORAGE.match(storage) or match is None:
        raise ActionError(
            f"backup: {volid!r} is not a VM backup id; expected <storage>:backup/"
            "vzdump-qemu-<vmid>-<date>.vma.zst or <storage>:backup/vm/<vmid>/<time>"
        )
    return BackupRef(
        volid=f"{storage}:{volume}", storage=storage, volume=volume, vmid=int(match["vmid"])
    )


def backup_of(volid: str, vmid: int, storages: tuple[str, ...]) -> BackupRef:
    """The backup ``volid`` if its name proves it belongs to ``vmid`` on a backup storage."""
    ref = parse_backup_volid(volid)
    if ref.vmid != vmid:
        raise ActionError(f"backup: {ref.volid} belongs to another server, not to server {vmid}")
    if ref.storage not in storages:
        raise ActionError(
            f"backup: storage {ref.storage!r} is not a backup storage here "
            f"(configured: {', '.join(storages)})"
        )
    return ref
