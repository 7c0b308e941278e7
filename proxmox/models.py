"""Typed views of Proxmox API answers, tolerant of what real servers send.

Perl's JSON encoder makes numbers strings now and then (``"100"``, ``"4096"``), booleans
are 0/1, unset keys are simply absent and key order is random. The ``Lax*`` annotated types
below absorb that once, so repositories and actions see plain ints, bools and lists.
Nothing the server sent is lost: every model keeps unknown keys (``extra="allow"``), and
``VmConfig`` also keeps the whole answer in ``raw``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

_SIZE = re.compile(r"^\s*(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[KMGTkmgt]?)\s*$")
_UNITS = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4}
_DRIVE_KEY = re.compile(r"^(?:ide|sata|scsi|virtio)\d+$|^efidisk0$|^tpmstate0$")
_BOOT_ORDER = ("scsi0", "virtio0", "sata0", "ide0")
_TRUE = {"1", "true", "yes", "on"}
MASKED_PASSWORD = "**********"  # noqa: S105 - what PVE shows instead of a password


def parse_size(text: str) -> int:
    """``32G`` -> bytes; K/M/G/T are powers of 1024 and no unit means bytes (as in PVE)."""
    match = _SIZE.match(text)
    if match is None:
        raise ValueError(f"not a Proxmox size: {text!r}")
    power = _UNITS[match["unit"].upper()]
    return int(float(match["num"]) * 1024**power)


def split_tags(value: object) -> list[str]:
    """PVE stores tags ``;``-separated but accepts ``,``, ``;`` and spaces."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    return [t for t in re.split(r"[;,\s]+", str(value)) if t]


def parse_property_string(text: str, default_key: str | None = None) -> dict[str, str]:
    """``a,b=c`` -> ``{default_key: "a", "b": "c"}``; a bare item without a default key is
    kept under ``""``."""
    out: dict[str, str] = {}
    for item in str(text).split(","):
        if not item:
            continue
        key, sep, value = item.partition("=")
        if sep:
            out[key.strip()] = value.strip()
        else:
            out[default_key or ""] = key.strip()
    return out


def _to_bool(value: object) -> object:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    if isinstance(value, int | float):
        return bool(value)
    return value


def _to_int(value: object) -> object:
    if isinstance(value, str) and value.strip():
        try:
            return int(float(value))
        except ValueError:
            return value
    if isinstance(value, float):
        return int(value)
    return value


def _to_str(value: object) -> object:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


LaxBool = Annotated[bool, BeforeValidator(_to_bool)]
LaxInt = Annotated[int, BeforeValidator(_to_int)]
LaxStr = Annotated[str, BeforeValidator(_to_str)]
Tags = Annotated[list[str], BeforeValidator(split_tags)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Disk(_Model):
    key: str
    volume: str
    size_bytes: int = 0
    media: str | None = None
    options: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def parse(cls, key: str, drive: str) -> Disk:
        """``local-lvm:vm-101-disk-0,iothread=1,size=32G`` -> a Disk."""
        options = parse_property_string(drive, default_key="file")
        volume = options.pop("file", "")
        size = options.get("size")
        return cls(
            key=key,
            volume=volume,
            size_bytes=parse_size(size) if size else 0,
            media=options.get("media"),
            options=options,
        )


class VmConfig(_Model):
    digest: str = ""
    name: str | None = None
    cores: LaxInt = 1
    sockets: LaxInt = 1
    memory_mib: LaxInt = 512
    balloon: LaxInt | None = None
    tags: Tags = Field(default_factory=list)
    lock: str | None = None
    protection: LaxBool = False
    template: LaxBool = False
    ciuser: str | None = None
    cipassword: str | None = None
    sshkeys: str | None = None
    ipconfig: dict[str, str] = Field(default_factory=dict)
    agent_enabled: LaxBool = False
    hotplug: LaxStr | None = None
    numa: LaxBool = False
    disks: dict[str, Disk] = Field(default_factory=dict)
    raw: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_api(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "raw" in data:
            return data
        raw = dict(data)
        out: dict[str, Any] = {k: v for k, v in raw.items() if k not in {"memory", "agent"}}
        if "memory" in raw:
            memory = parse_property_string(str(raw["memory"]), "current")
            out["memory_mib"] = memory.get("current", 512)
        if "agent" in raw:
            out["agent_enabled"] = parse_property_string(str(raw["agent"]), "enabled").get(
                "enabled", "0"
            )
        if isinstance(raw.get("sshkeys"), str):
            out["sshkeys"] = unquote(raw["sshkeys"])
        out["ipconfig"] = {k: str(v) for k, v in raw.items() if re.fullmatch(r"ipconfig\d+", k)}
        out["disks"] = _disks_of(raw)
        out["raw"] = raw
        return out

    @property
    def boot_disk(self) -> Disk | None:
        return next((self.disks[k] for k in _BOOT_ORDER if k in self.disks), None)


def _disks_of(raw: dict[str, Any]) -> dict[str, Disk]:
    disks = {}
    for key, value in raw.items():
        if not _DRIVE_KEY.match(key) or not isinstance(value, str):
            continue
        disk = Disk.parse(key, value)
        if disk.media != "cdrom":
            disks[key] = disk
    return disks


class PendingItem(_Model):
    key: str
    value: Any | None = None
    pending: Any | None = None
    delete: LaxInt | None = None


class VmStatus(_Model):
    vmid: LaxInt
    name: str | None = None
    status: str = "unknown"
    qmpstatus: str | None = None
    uptime: LaxInt = 0
    cpu: float = 0.0
    cpus: LaxInt = 0
    mem: LaxInt = 0
    maxmem: LaxInt = 0
    disk: LaxInt = 0
    maxdisk: LaxInt = 0
    lock: str | None = None
    tags: Tags = Field(default_factory=list)
    agent: LaxBool = False
    template: LaxBool = False


class NodeInfo(_Model):
    node: str
    status: str = "unknown"
    cpu: float = 0.0
    maxcpu: LaxInt = 0
    mem: LaxInt = 0
    maxmem: LaxInt = 0
    disk: LaxInt = 0
    maxdisk: LaxInt = 0
    uptime: LaxInt = 0


class StorageInfo(_Model):
    storage: str
    type: str = ""
    content: Annotated[list[str], BeforeValidator(split_tags)] = Field(default_factory=list)
    active: LaxBool = False
    enabled: LaxBool = True
    shared: LaxBool = False
    avail: LaxInt | None = None
    used: LaxInt | None = None
    total: LaxInt | None = None


class BackupVolume(_Model):
    volid: str
    vmid: LaxInt | None = None
    size: LaxInt = 0
    ctime: LaxInt = 0
    format: str = ""
    notes: str | None = None
    protected: LaxBool = False

    @property
    def storage(self) -> str:
        return self.volid.partition(":")[0]


class TaskStatus(_Model):
    upid: str
    node: str
    status: str
    exitstatus: str | None = None
    type: str = ""
    id: LaxStr = ""
    user: str = ""
    starttime: LaxInt = 0
    pid: LaxInt = 0

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def succeeded(self) -> bool:
        """``OK`` or ``WARNINGS: n`` (PVE's own ``status_is_error`` rule)."""
        text = self.exitstatus or ""
        return not self.running and (text == "OK" or text.startswith("WARNINGS:"))

    @property
    def warnings(self) -> int:
        text = self.exitstatus or ""
        if not text.startswith("WARNINGS:"):
            return 0
        count = text.partition(":")[2].strip()
        return int(count) if count.isdigit() else 1

    @property
    def error(self) -> str | None:
        if self.running or self.succeeded:
            return None
        return self.exitstatus or "task ended without an exit status"


class TaskLogLine(_Model):
    n: LaxInt
    t: str


class ClusterResource(_Model):
    id: str
    type: str
    node: str | None = None
    vmid: LaxInt | None = None
    name: str | None = None
    status: str | None = None
    tags: Tags = Field(default_factory=list)
    maxcpu: LaxInt | None = None
    maxmem: LaxInt | None = None
    maxdisk: LaxInt | None = None
    mem: LaxInt | None = None
    cpu: float | None = None
    disk: LaxInt | None = None
    uptime: LaxInt | None = None
    lock: str | None = None
    template: LaxBool = False
