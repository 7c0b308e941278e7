"""Sizes as people type them, and as Proxmox wants them.

Memory is MiB in the VM config; a bare number therefore means MiB (``8192``). Disk sizes are
bytes in Proxmox but a bare number there would almost always be a typo for GiB, so a disk size
needs a unit, and a leading ``+`` makes it relative (``+20G``). Units are binary either way:
``G``, ``GB``, ``GiB`` all mean 1024³, as they do in Proxmox's own ``size=32G``.

A relative disk size is turned into an absolute byte count once, from the size the disk has
at request time (``DiskSize.target``), so a retried job can never grow a disk twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from actions.base import ActionError

KIB = 1024
MIB = 1024**2
GIB = 1024**3
TIB = 1024**4

_SIZE = re.compile(
    r"^(?P<sign>[+-]?)(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>(?:[kmgt](?:i?b)?|b)?)$", re.IGNORECASE
)
_UNIT_BYTES = {"": 0, "b": 1, "k": KIB, "m": MIB, "g": GIB, "t": TIB}
_MEMORY_EXAMPLES = "a size like 512M, 8G, 8GiB or 8192 (MiB)"
_DISK_EXAMPLES = "a size like 50G (absolute) or +20G (grow by)"


class SizeError(ActionError):
    """A size that does not parse or makes no sense; the message names the argument."""


@dataclass(frozen=True, slots=True)
class DiskSize:
    """A parsed disk argument: ``bytes`` to grow by (``relative``) or the absolute size."""

    bytes: int
    relative: bool

    def target(self, current_bytes: int) -> int:
        """The absolute size in bytes this argument asks for, given the current size."""
        return current_bytes + self.bytes if self.relative else self.bytes

    def __str__(self) -> str:
        return ("+" if self.relative else "") + human_bytes(self.bytes)


def _split(text: str, argument: str, expected: str) -> tuple[str, float, str]:
    match = _SIZE.match(text.strip())
    if match is None:
        raise SizeError(f"{argument}: expected {expected}, got {text.strip()!r}")
    unit = match["unit"].lower()[:1] if match["unit"].lower() != "b" else "b"
    return match["sign"], float(match["num"]), unit


def parse_memory_mib(value: str | int, *, argument: str = "memory") -> int:
    """``512M`` → 512, ``8G``/``8GiB`` → 8192, ``8192`` → 8192 (a bare number is MiB)."""
    if isinstance(value, int):
        value = str(value)
    sign, number, unit = _split(value, argument, _MEMORY_EXAMPLES)
    if sign == "+":
        raise SizeError(
            f"{argument}: expected an absolute size ({_MEMORY_EXAMPLES}), got {value!r}"
        )
    scaled = number * (_UNIT_BYTES[unit] if unit else MIB)
    if sign == "-" or scaled <= 0:
        raise SizeError(f"{argument}: must be more than 0, got {value.strip()!r}")
    if scaled % MIB:
        raise SizeError(f"{argument}: must be a whole number of MiB, got {value.strip()!r}")
    return int(scaled // MIB)


def parse_disk_size(value: str, *, argument: str = "disk") -> DiskSize:
    """``50G`` → absolute 50 GiB; ``+20G`` → grow by 20 GiB. A unit is required."""
    sign, number, unit = _split(value, argument, _DISK_EXAMPLES)
    if not unit or unit == "b":
        raise SizeError(
            f"{argument}: needs a unit (M, G or T), e.g. 50G or +20G, got {value.strip()!r}"
        )
    scaled = number * _UNIT_BYTES[unit]
    if sign == "-":
        raise SizeError(
            f"{argument}: disks can only grow; expected {_DISK_EXAMPLES}, got {value.strip()!r}"
        )
    if scaled <= 0:
        raise SizeError(f"{argument}: must be more than 0, got {value.strip()!r}")
    if scaled % MIB:
        raise SizeError(f"{argument}: must be a whole number of MiB, got {value.strip()!r}")
    return DiskSize(bytes=int(scaled), relative=sign == "+")


def pve_size(size_bytes: int) -> str:
    """Bytes as Proxmox's resize ``size`` (``52G``, or ``1536M`` when not whole GiB)."""
    for suffix, unit in (("T", TIB), ("G", GIB), ("M", MIB), ("K", KIB)):
        if size_bytes % unit == 0:
            return f"{size_bytes // unit}{suffix}"
    return str(size_bytes)


def human_bytes(size_bytes: int) -> str:
    """``34359738368`` → ``32 GiB``; ``1.5 GiB``; ``512 MiB``; ``0 B``."""
    value = float(size_bytes)
    for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or suffix == "TiB":
            text = f"{value:.1f}".removesuffix(".0") if suffix != "B" else str(int(value))
            return f"{text} {suffix}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def human_duration(seconds: int) -> str:
    """Uptime: ``3d 4h``, ``2h 5m``, ``45s``."""
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"
