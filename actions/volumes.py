"""Backup volume ids, and the proof that one belongs to a given VM.

Only two shapes are accepted, matched in full so that no ``../``, extra ``/`` or suffix can
slip through: a directory-storage vzdump archive
``<storage>:backup/vzdump-qemu-<vmid>-YYYY_MM_DD-HH_MM_SS.vma[.zst|.gz|.lzo]`` and a Proxmox
Backup Server snapshot ``<storage>:backup/vm/<vmid>/YYYY-MM-DDTHH:MM:SSZ``.

People know a backup by when it was taken, not by its volume id: chat shows "backup of
1 Dec 2026 10:00 UTC" (``backup_label``) and takes the time it was taken,
``2026-12-01T10:00:00`` (``backup_time_id``), wherever it takes a backup; the volume id is
still accepted. A time names at most one backup of a VM (vzdump names them by the second).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from actions.base import ActionError

_STORAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")
_VZDUMP = re.compile(
    r"^backup/vzdump-qemu-(?P<vmid>[1-9]\d{2,8})-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}"
    r"\.vma(?:\.(?:zst|gz|lzo))?$"
)
_PBS = re.compile(r"^backup/vm/(?P<vmid>[1-9]\d{2,8})/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
# When a backup was taken, as its name says it: vzdump's 2026_12_01-10_00_00, PBS's ISO time.
_TAKEN_IN_NAME = re.compile(
    r"(?P<y>\d{4})[_-](?P<mo>\d{2})[_-](?P<d>\d{2})[-T](?P<h>\d{2})[_:](?P<mi>\d{2})[_:](?P<s>\d{2})Z?"
    r"(?:\.vma(?:\.\w+)?)?$"
)
# How chat names one: the time it was taken, to the second (a trailing Z is allowed).
BACKUP_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$")


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


def taken_at(volid: str) -> datetime | None:
    """When the backup was taken, from its name (UTC, as the simulator and a UTC node name
    them); None for a name without a time."""
    found = _TAKEN_IN_NAME.search(volid)
    if found is None:
        return None
    try:
        y, mo, d, h, mi, sec = (int(found[k]) for k in ("y", "mo", "d", "h", "mi", "s"))
        return datetime(y, mo, d, h, mi, sec, tzinfo=UTC)
    except ValueError:
        return None


def backup_time_id(volid: str) -> str | None:
    """``2026-12-01T10:00:00``: how chat takes this backup (see ``BACKUP_TIME``)."""
    when = taken_at(volid)
    return when.strftime("%Y-%m-%dT%H:%M:%S") if when is not None else None


def is_backup_time(text: str) -> bool:
    return BACKUP_TIME.fullmatch(text.strip()) is not None


def backup_label(volid: str, ctime: int | None = None) -> str:
    """``backup of 1 Dec 2026 10:00 UTC``: a backup as people know it (by ``ctime`` when the
    storage gave one, else by the time in its name)."""
    when = datetime.fromtimestamp(ctime, tz=UTC) if ctime else taken_at(volid)
    if when is None:
        return "the backup"
    return f"backup of {when_text(when)}"


def when_text(when: datetime) -> str:
    """``1 Dec 2026 10:00 UTC``."""
    return f"{when.day} {when:%b %Y %H:%M} UTC"


def time_label(text: str) -> str:
    """A typed backup time (``2026-12-01T10:00:00``) in words: ``1 Dec 2026 10:00:00 UTC``."""
    when = taken_at(text.strip())
    return f"{when.day} {when:%b %Y %H:%M:%S} UTC" if when is not None else text


def typed_backup_label(text: str) -> str:
    """A backup as someone typed it (its time or its volume id), in words."""
    if is_backup_time(text):
        return f"backup of {time_label(text)}"
    return backup_label(text)


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
