"""This server's backups, newest first, with date and size (read-only)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pydantic import Field

from actions.base import JSON, ActionError, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest
from actions.sizes import human_bytes
from actions.volumes import (
    BackupRef,
    backup_of,
    backup_time_id,
    is_backup_time,
    parse_backup_volid,
    time_label,
    when_text,
)
from bot.ports.paging import BACKUPS_PER_PAGE, framed, window
from proxmox.models import BackupVolume
from proxmox.repositories import Proxmox


class BackupListRequest(VmRequest):
    page: int | None = Field(default=None, ge=1, description="which page; the first by default")


class BackupListAction(ServerAction[BackupListRequest]):
    name = "backup.list"
    steps = (Step("execute", says="reading the backups"),)
    request_model = BackupListRequest

    def plan(self, request: BackupListRequest) -> Plan:
        storage = self.config.backup_storage
        return Plan(
            action=self.name,
            vmid=request.vmid,
            summary=f"List the backups of server {request.vmid} on {storage} (read-only)",
            calls=(
                f"GET /nodes/…/storage/{storage}/content (content=backup, vmid={request.vmid})",
            ),
        )

    def execute(self, request: BackupListRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        backups = backups_of(self.px, node, self.config.backup_storage, request.vmid)
        rows: list[JSON] = [
            {
                "volid": b.volid,
                "size": b.size,
                "ctime": b.ctime,
                "notes": b.notes,
                "protected": b.protected,
            }
            for b in backups
        ]
        shown = window(len(backups), request.page, BACKUPS_PER_PAGE)
        lines = [describe(b) for b in backups[shown.start : shown.stop]]
        lines = lines or [f"server {request.vmid} has no backups"]
        if backups:
            lines.append(
                f"Restore or delete one by its id: /server backup restore {request.vmid} <id>"
            )
        # A long list answers a page at a time, framed and buttoned as the bot frames its own.
        where, buttons = framed(f"{len(backups):,} backups", "backups", shown, str(request.vmid))
        if buttons or shown.count > 1:
            lines.insert(0, where)
        turns: list[JSON] = [b.model_dump(mode="json") for b in buttons]
        return StepResult(
            summary="\n".join(lines),
            context={**context, "node": node, "backups": rows, "page_buttons": turns},
        )


def backups_of(px: Proxmox, node: str, storage: str, vmid: int) -> list[BackupVolume]:
    """Backups whose *name* proves they are ``vmid``'s (the ``vmid`` filter alone is the
    storage's claim), newest first."""
    mine = [b for b in px.storage.backups(node, storage, vmid=vmid) if _named_for(b.volid, vmid)]
    return sorted(mine, key=lambda b: b.ctime, reverse=True)


def _named_for(volid: str, vmid: int) -> bool:
    try:
        return parse_backup_volid(volid).vmid == vmid
    except ActionError:
        return False


def describe(backup: BackupVolume) -> str:
    """``1 Dec 2026 10:00 UTC · 1.2 GiB · nightly · id 2026-12-01T10:00:00``: when it was
    taken, its size, its note, and the id chat takes it by (its time, not its volume id)."""
    when = when_text(datetime.fromtimestamp(backup.ctime, tz=UTC))
    parts = [when, human_bytes(backup.size)]
    parts += ["protected"] if backup.protected else []
    parts += [backup.notes] if backup.notes else []
    parts.append(f"id {backup_time_id(backup.volid) or backup.volid}")
    return " · ".join(parts)


def refuse_foreign(wanted: str, vmid: int, storage: str) -> None:
    """A volume id that is not provably ``vmid``'s backup on ``storage`` is refused from its
    name alone (a time names one of this server's, if any)."""
    if not is_backup_time(wanted):
        backup_of(wanted, vmid, (storage,))


def pick_backup(
    px: Proxmox, node: str, storage: str, vmid: int, wanted: str
) -> tuple[BackupRef, BackupVolume | None]:
    """The backup ``wanted`` names — its time (``2026-12-01T10:00:00``, as the list shows
    it) or its volume id — checked to be ``vmid``'s on ``storage``, and its listing entry
    (None: it is not there, e.g. already deleted). A time that names none is refused."""
    if is_backup_time(wanted):
        key = wanted.strip().removesuffix("Z")
        backups = backups_of(px, node, storage, vmid)
        found = next((b for b in backups if backup_time_id(b.volid) == key), None)
        if found is None:
            raise ActionError(
                f"backup: server {vmid} has no backup taken at {time_label(key)}; "
                f"/server backup list {vmid} shows its backups"
            )
        return parse_backup_volid(found.volid), found
    ref = backup_of(wanted, vmid, (storage,))  # checked before anything is read
    listed = backups_of(px, node, ref.storage, vmid)
    return ref, next((b for b in listed if b.volid == ref.volid), None)
