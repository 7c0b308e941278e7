"""Property strings (``key=value,...``), sizes and tag lists as Proxmox writes them.

Proxmox stores drives, NICs, ``agent`` and ``ipconfigN`` as comma-separated property strings
with an optional default key (``local-lvm:vm-101-disk-0,size=32G`` has the volume as its
default key ``file``). Sizes use K/M/G/T as powers of 1024 and are written back in the
largest unit that divides them (``PVE::JSONSchema::format_size``).
"""

from __future__ import annotations

import re

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = re.compile(r"^(?P<plus>\+)?(?P<num>\d+(?:\.\d+)?)(?P<unit>[KMGT]?)$")
_TAG_SPLIT = re.compile(r"[;,\s]+")
TAG_SHAPE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9_\-+.]*$")
DISK_KEYS = re.compile(
    r"^(?:ide[0-3]|sata[0-5]|scsi(?:[12]?\d|30)|virtio(?:1[0-5]|\d)|efidisk0|tpmstate0)$"
)


def parse(value: str, default_key: str | None = None) -> dict[str, str]:
    """``"a,b=1,c=2"`` -> ``{default_key: "a", "b": "1", "c": "2"}`` (order kept)."""
    out: dict[str, str] = {}
    for part in value.split(","):
        if not part:
            continue
        key, sep, val = part.partition("=")
        if not sep:
            if default_key is None:
                raise ValueError(f"missing key in property string part '{part}'")
            key, val = default_key, part
        out[key] = val
    return out


def render(props: dict[str, str], default_key: str | None = None) -> str:
    """Inverse of ``parse``: the default key's value first and without ``key=``."""
    parts: list[str] = []
    if default_key is not None and default_key in props:
        parts.append(props[default_key])
    parts.extend(f"{k}={v}" for k, v in props.items() if k != default_key)
    return ",".join(parts)


def parse_size(text: str) -> tuple[bool, int]:
    """``"+2G"`` -> ``(True, 2 GiB)``; ``"40G"`` -> ``(False, 40 GiB)``; bytes without unit."""
    match = _SIZE.match(text.strip())
    if match is None:
        raise ValueError(f"unable to parse size '{text}'")
    number = float(match["num"]) * _UNITS[match["unit"]]
    return bool(match["plus"]), int(number)


def format_size(size: int) -> str:
    """Largest unit that divides the size exactly, as Proxmox writes ``size=`` in drives."""
    for unit in ("T", "G", "M", "K"):
        if size % _UNITS[unit] == 0 and size >= _UNITS[unit]:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


def human(size: float) -> str:
    """``1.0 GiB`` style, as in clone and restore task logs."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def split_tags(value: str) -> list[str]:
    """Tags are stored ``;``-separated; the server splits on ``;``, ``,`` and spaces."""
    seen: list[str] = []
    for tag in _TAG_SPLIT.split(value.strip()):
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def split_list(value: str) -> list[str]:
    """``delete``/``revert`` and VMID lists: comma, semicolon or whitespace separated."""
    return [item for item in _TAG_SPLIT.split(value.strip()) if item]


def is_disk_key(key: str) -> bool:
    return DISK_KEYS.match(key) is not None


def is_cdrom(drive: str) -> bool:
    return parse(drive, "file").get("media") == "cdrom"


def drive_volume(drive: str) -> str:
    return parse(drive, "file").get("file", "")


def drive_size(drive: str) -> int:
    size = parse(drive, "file").get("size")
    return parse_size(size)[1] if size else 0


def with_drive(drive: str, *, volume: str | None = None, size: int | None = None) -> str:
    """The drive string with its volume and/or ``size=`` replaced, other options kept."""
    props = parse(drive, "file")
    if volume is not None:
        props["file"] = volume
    if size is not None:
        props["size"] = format_size(size)
    return render(props, "file")
