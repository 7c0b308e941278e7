"""What the worker is certain to refuse, refused on the ack path before anyone is asked to
confirm or approve it (ARCHITECTURE rule 4: refuse early, re-check late).

Only Redis-backed facts are used: the inventory cache (cores, memory, boot disk size) and
the settings both processes read (``bot.settings.plan``). The checks mirror the Actions'
own (``actions/server/resize.py``, ``actions/volumes.backup_of``), which refuse admins and
customers alike, so these do too. The worker still re-checks against live state: a size the
cache does not know (recorded as 0) is never grounds for a refusal here.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.base import ActionError
from actions.config import Limits
from actions.sizes import GIB, MIB, parse_disk_size, pve_size, readable_size
from actions.volumes import is_backup_time, parse_backup_volid
from bot.commands.registry import Parsed
from bot.policy import Refusal
from bot.ports.invocation import Actor
from jobs.state.inventory import InventoryEntry


@dataclass(frozen=True)
class CertainRefusals:
    limits: Limits
    backup_storage: str

    def check(self, actor: Actor, parsed: Parsed, entry: InventoryEntry | None) -> None:
        """Raise ``Refusal`` for a request the worker would refuse, or that changes nothing."""
        if entry is None:
            return
        # By the command's name: a job kind's literal belongs to its Action and the kinds table.
        name = parsed.command.name
        if name == "resize":
            _Resize(self.limits, actor, parsed, entry).check()
        elif name in ("backup restore", "backup delete"):
            self._check_backup(parsed.get("backup"), entry.vmid)

    def _check_backup(self, volid: str, vmid: int) -> None:
        """``backup_of``'s checks in its order: the shape, the VMID, then the storage."""
        listing = f"/server backup list {vmid} shows its backups"
        if is_backup_time(volid):
            return  # a time names a backup of this server, if any: the worker finds it
        try:
            ref = parse_backup_volid(volid)
        except ActionError:
            raise Refusal(f"{volid} is not a backup of a server; {listing}") from None
        if ref.vmid != vmid:
            raise Refusal(f"that is not a backup of server {vmid}; {listing}")
        if ref.storage != self.backup_storage:
            raise Refusal(f"that backup is not on the backup storage; {listing}")


class _Resize:
    """One resize request against the plan limits and the cached sizes of its server."""

    def __init__(self, limits: Limits, actor: Actor, parsed: Parsed, entry: InventoryEntry) -> None:
        self.limits = limits
        self.entry = entry
        self.cores: int | None = parsed.get("cpu")
        self.memory_mib: int | None = parsed.get("memory")
        self.disk: str | None = parsed.get("disk")
        self.dry_run = parsed.dry_run
        self.whose = "the plan's" if actor.is_admin else "your plan's"

    def check(self) -> None:
        # The worker's order: cores and memory, then the disk (shrink before its limit).
        self._check_cores()
        self._check_memory()
        self._check_disk()
        if not self.dry_run:  # a dry run's plan says "nothing to change" itself
            self._check_something_changes()

    def _check_cores(self) -> None:
        most = self.limits.max_cores
        if self.cores is not None and self.cores > most:
            raise Refusal(
                f"cpu={self.cores} is over {self.whose} limit of {most} cores; "
                f"ask for cpu={most} or less"
            )

    def _check_memory(self) -> None:
        most = self.limits.max_memory_mib
        if self.memory_mib is not None and self.memory_mib > most:
            raise Refusal(
                f"memory={pve_size(self.memory_mib * MIB)} is over {self.whose} limit of "
                f"{_readable(most * MIB)}; ask for memory={pve_size(most * MIB)} or less"
            )

    def _check_disk(self) -> None:
        if self.disk is None:
            return
        size = parse_disk_size(self.disk)
        current = _known(self.entry.disk_bytes)
        most = self.limits.max_disk_gib
        if size.relative:
            if current is not None and size.target(current) > most * GIB:
                raise Refusal(self._growth_over_limit(size.target(current), current))
            return
        if current is not None and size.bytes < current:
            raise Refusal(
                f"disk={self.disk} would shrink the disk of server {self.entry.vmid}, which is "
                f"{_readable(current)}, and disks only grow; use disk=+NG to grow it by N GiB"
            )
        if size.bytes > most * GIB:
            raise Refusal(
                f"disk={self.disk} is over {self.whose} limit of {most} GiB; "
                f"ask for disk={most}G or less"
            )

    def _growth_over_limit(self, target: int, current: int) -> str:
        most = self.limits.max_disk_gib
        over = (
            f"disk={self.disk} would make the disk {_readable(target)}, over {self.whose} "
            f"limit of {most} GiB"
        )
        room = (most * GIB - current) // GIB  # the chat takes growth in whole GiB at least
        if room < 1:
            return f"{over}; it is {_readable(current)} already and cannot grow further"
        return f"{over}; grow it by at most disk=+{room}G"

    def _check_something_changes(self) -> None:
        """Every value given equals the cached one: the worker would run and do nothing."""
        entry = self.entry
        same: list[str] = []
        if self.cores is not None:
            if self.cores != _known(entry.cores):
                return
            same.append(f"{self.cores} cores")
        if self.memory_mib is not None:
            if self.memory_mib != _known(entry.memory_mib):
                return
            same.append(f"{_readable(self.memory_mib * MIB)} of memory")
        if self.disk is not None:
            size = parse_disk_size(self.disk)
            if size.relative or size.bytes != _known(entry.disk_bytes):
                return
            same.append(f"a {_readable(size.bytes)} disk")
        if same:
            raise Refusal(
                f"nothing to change: server {entry.vmid} already has {_and(same)}; "
                "ask for a value that differs"
            )


def _known(value: int | None) -> int | None:
    """The inventory records 0 (or nothing) when /cluster/resources gave no figure."""
    return value or None


def _readable(size_bytes: int) -> str:
    """GiB as people read them (``32 GiB``, also for 1024 GiB; ``1.5 GiB``), MiB below."""
    return readable_size(size_bytes)


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
