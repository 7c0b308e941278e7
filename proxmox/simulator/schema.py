"""Hand-written parameter declarations for the endpoints the simulator answers.

Written from the API documentation (names, types, enums, patterns, formats) for the
parameters Jotunheim uses plus the common ones around them; the contract test compares the
client's calls with the official schema separately.
"""

from __future__ import annotations

import ipaddress
import re

from proxmox.simulator import propstr
from proxmox.simulator.params import P, b, i, n, s

_NODE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$")
_STORAGE = re.compile(r"^[a-z][a-z0-9\-_.]*[a-z0-9]$", re.IGNORECASE)
_DNS = re.compile(
    r"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)*$"
)
_CONFIGID = re.compile(r"^[a-z][a-z_\-]*\d*$")
_URLENCODED = re.compile(r"^[-%a-zA-Z0-9_.!~*'()]*$")
_VMID = re.compile(r"^[1-9][0-9]{2,8}$")
CONTENT_TYPES = ("images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import")
DRIVE_OPTIONS = frozenset(
    {"file", "media", "size", "format", "cache", "discard", "ssd", "iothread", "backup",
     "replicate", "aio", "serial", "detect_zeroes", "import-from", "snapshot", "ro", "wwn",
     "mbps", "iops"}
)  # fmt: skip
NET_MODELS = ("virtio", "e1000", "e1000e", "rtl8139", "vmxnet3")


def _node(v: str) -> str | None:
    return None if _NODE.match(v) else "value does not look like a valid node name"


def _storage(v: str) -> str | None:
    return None if _STORAGE.match(v) else f"storage ID '{v}' contains illegal characters"


def _vmid(v: str) -> str | None:
    return None if _VMID.match(v) else "value does not look like a valid VM ID"


def _vmid_list(v: str) -> str | None:
    bad = [x for x in propstr.split_list(v) if not _VMID.match(x)]
    return f"value '{bad[0]}' does not look like a valid VM ID" if bad else None


def _dns(v: str) -> str | None:
    return None if _DNS.match(v) else "value does not look like a valid DNS name"


def _configids(v: str) -> str | None:
    bad = [x for x in propstr.split_list(v) if not _CONFIGID.match(x)]
    return f"invalid configuration ID '{bad[0]}'" if bad else None


def _tags(v: str) -> str | None:
    bad = [t for t in propstr.split_tags(v) if not propstr.TAG_SHAPE.match(t)]
    return f"invalid characters in tag '{bad[0]}'" if bad else None


def _urlencoded(v: str) -> str | None:
    return None if _URLENCODED.match(v) else f"invalid urlencoded string: {v}"


def _content(v: str) -> str | None:
    bad = [c for c in v.split(",") if c not in CONTENT_TYPES]
    return f"invalid content type '{bad[0]}'" if bad else None


def _memory(v: str) -> str | None:
    try:
        props = propstr.parse(v, "current")
    except ValueError as exc:
        return str(exc)
    current = props.get("current", "")
    if set(props) != {"current"} or not current.isdigit() or int(current) < 16:
        return "format error\nmemory.current: value must be an integer of at least 16"
    return None


def _drive(v: str) -> str | None:
    try:
        props = propstr.parse(v, "file")
    except ValueError as exc:
        return str(exc)
    unknown = sorted(set(props) - DRIVE_OPTIONS)
    if unknown:
        return f"format error\n{unknown[0]}: property is not defined in schema"
    if "size" in props:
        try:
            propstr.parse_size(props["size"])
        except ValueError:
            return "format error\nsize: unable to parse size"
    return None


def _ipconfig(v: str) -> str | None:
    try:
        props = propstr.parse(v)
    except ValueError as exc:
        return str(exc)
    problems: list[str] = []
    for key, value in props.items():
        problem = _ip_problem(key, value)
        if problem:
            problems.append(f"{key}: {problem}")
    return "format error\n" + "\n".join(problems) + "\n" if problems else None


def _ip_problem(key: str, value: str) -> str | None:
    checks = {
        "ip": lambda: value == "dhcp" or bool(ipaddress.IPv4Interface(value)),
        "gw": lambda: bool(ipaddress.IPv4Address(value)),
        "ip6": lambda: value in {"dhcp", "auto"} or bool(ipaddress.IPv6Interface(value)),
        "gw6": lambda: bool(ipaddress.IPv6Address(value)),
    }
    if key not in checks:
        return "property is not defined in schema"
    try:
        checks[key]()
    except ValueError:
        kind = "IPv6" if key.endswith("6") else "IPv4"
        what = "address" if key.startswith("gw") else "CIDR"
        return f"invalid format - value does not look like a valid {kind} {what}"
    return None


def _agent(v: str) -> str | None:
    try:
        props = propstr.parse(v, "enabled")
    except ValueError as exc:
        return str(exc)
    if props.get("enabled", "0") not in {"0", "1"}:
        return "format error\nenabled: type check ('boolean') failed"
    return None


def _net(v: str) -> str | None:
    try:
        props = propstr.parse(v)
    except ValueError as exc:
        return str(exc)
    if not any(model in props for model in NET_MODELS):
        return "format error\nmodel: property is missing and it is not optional"
    return None


NODE = s(check=_node).required()
VMID = i(minimum=100, maximum=999999999, check=_vmid).required()
OPT_VMID = i(minimum=100, maximum=999999999, check=_vmid)
STORAGE_ID = s(check=_storage)
NODE_ONLY = {"node": NODE}
NODE_VMID = {"node": NODE, "vmid": VMID}
DISK_ENUM = tuple(
    [f"ide{x}" for x in range(4)] + [f"scsi{x}" for x in range(31)]
    + [f"virtio{x}" for x in range(16)] + [f"sata{x}" for x in range(6)]
    + ["efidisk0", "tpmstate0"]
)  # fmt: skip
LOCKS = (
    "backup", "clone", "create", "migrate", "rollback", "snapshot", "snapshot-delete",
    "suspending", "suspended",
)  # fmt: skip

OSTYPES = ("other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11",
           "l24", "l26", "solaris")  # fmt: skip
SCSIHW = ("lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas", "pvscsi")

# Config keys (PUT/POST .../config and create): the ones a hosting fleet uses.
VM_OPTIONS: dict[str, P] = {
    "name": s(check=_dns),
    "description": s(max_length=8192),
    "cores": i(minimum=1),
    "sockets": i(minimum=1),
    "vcpus": i(minimum=1),
    "memory": s(check=_memory),
    "balloon": i(minimum=0),
    "numa": b(),
    "hotplug": s(pattern=r"(?:(?:network|disk|cpu|memory|usb|cloudinit)(?:,|$))+|0|1"),
    "cpu": s(),
    "cpulimit": n(minimum=0, maximum=128),
    "ostype": s(enum=OSTYPES),
    "scsihw": s(enum=SCSIHW),
    "bios": s(enum=("seabios", "ovmf")),
    "machine": s(),
    "boot": s(),
    "onboot": b(),
    "protection": b(),
    "template": b(),
    "kvm": b(),
    "agent": s(check=_agent),
    "tags": s(check=_tags),
    "lock": s(enum=LOCKS),
    "ciuser": s(),
    "cipassword": s(),
    "citype": s(enum=("configdrive2", "nocloud", "opennebula")),
    "ciupgrade": b(),
    "sshkeys": s(check=_urlencoded),
    "nameserver": s(),
    "searchdomain": s(),
    "ipconfig[n]": s(check=_ipconfig, max_index=31),
    "net[n]": s(check=_net, max_index=31),
    "scsi[n]": s(check=_drive, max_index=30),
    "virtio[n]": s(check=_drive, max_index=15),
    "sata[n]": s(check=_drive, max_index=5),
    "ide[n]": s(check=_drive, max_index=3),
    "efidisk0": s(check=_drive),
    "serial[n]": s(pattern=r"(/dev/.+|socket)", max_index=3),
    "vga": s(),
    "smbios1": s(max_length=512),
    "vmgenid": s(pattern=r"(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])"),
    "startup": s(),
    "unused[n]": s(max_index=255),
}
CONFIG_UPDATE: dict[str, P] = {
    **NODE_VMID,
    **VM_OPTIONS,
    "delete": s(check=_configids),
    "revert": s(check=_configids),
    "digest": s(max_length=40),
    "skiplock": b(),
    "force": b(),
}
CONFIG_POST = {**CONFIG_UPDATE, "background_delay": i(minimum=1, maximum=30)}
CREATE = {
    **NODE_VMID,
    **VM_OPTIONS,
    "archive": s(max_length=255),
    "storage": STORAGE_ID,
    "force": b(),
    "unique": b(),
    "start": b(),
    "pool": s(),
    "bwlimit": i(minimum=0),
    "live-restore": b(),
}
VZDUMP = {
    "node": s(check=_node),
    "vmid": s(check=_vmid_list),
    "all": b(),
    "storage": STORAGE_ID,
    "mode": s(enum=("snapshot", "suspend", "stop")),
    "compress": s(enum=("0", "1", "gzip", "lzo", "zstd")),
    "remove": b(),
    "notes-template": s(max_length=1024),
    "protected": b(),
    "prune-backups": s(),
    "bwlimit": i(minimum=0),
    "zstd": i(),
    "quiet": b(),
    "mailnotification": s(enum=("always", "failure")),
    "notification-mode": s(enum=("auto", "legacy-sendmail", "notification-system")),
}
CONTENT = s(check=_content)
