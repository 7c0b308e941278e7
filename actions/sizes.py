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


def readable_size(size_bytes: int) -> str:
    """A size as people read it on cards, approvals and errors: GiB from 1 GiB up, however
    large (``8 GiB``, ``1.5 GiB``, ``1024 GiB``), MiB below (``512 MiB``). Memory and disks
    share it, so a person never has to convert between the two."""
    for suffix, unit in (("GiB", GIB), ("MiB", MIB)):
        if size_bytes >= unit:
            return f"{_number(size_bytes / unit)} {suffix}"
    return human_bytes(size_bytes)


def memory_size(mib: int) -> str:
    """Memory (MiB, as the config keeps it) as people read it: ``8192`` → ``8 GiB``."""
    return readable_size(mib * MIB)


def size_change(before_bytes: int, after_bytes: int) -> tuple[str, str]:
    """Both ends of a change, the unit said once when they share it: ``("4", "8 GiB")``
    reads ``4 → 8 GiB``; ``("512 MiB", "2 GiB")`` when they do not."""
    before, after = readable_size(before_bytes), readable_size(after_bytes)
    number, _, unit = before.partition(" ")
    return (number, after) if after.endswith(f" {unit}") else (before, after)


def memory_change(before_mib: int, after_mib: int) -> str:
    """``memory 4096 → 8192`` (MiB) as ``4 → 8 GiB``."""
    before, after = size_change(before_mib * MIB, after_mib * MIB)
    return f"{before} → {after}"


def _number(value: float) -> str:
    """``8``, ``1.5``, ``1.25``: two decimals at most, none that are zero."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def human_duration(seconds: float) -> str:
    """The one way chat says how long something took or runs, uptime too: ``45 s`` (up to
    two minutes), ``10 min 1 s``, ``6 h 5 min``, ``3 d 4 h``: two units at most, a zero
    second one left out."""
    total = max(0, round(seconds))
    if total < 120:
        return f"{total} s"
    for unit, size, smaller, rest_size in (
        ("d", 86400, "h", 3600),
        ("h", 3600, "min", 60),
        ("min", 60, "s", 1),
    ):
        if total >= size:
            whole, rest = divmod(total, size)
            part = rest // rest_size
            return f"{whole} {unit}" + (f" {part} {smaller}" if part else "")
    raise AssertionError("unreachable")  # pragma: no cover
