"""The value types a command argument may have, each a strict whitelist.

Nothing typed in chat reaches Proxmox unless it matched one of these: no commas, semicolons,
slashes or ``..`` where a name is expected, sizes only as number + unit. Parsed values are
canonical (``8g`` → ``8G``), so formatting and parsing again gives the same value.
"""

from __future__ import annotations

import re
import unicodedata

from actions.base import ActionError
from actions.sizes import GIB, MIB, TIB, parse_disk_size, parse_memory_mib, pve_size
from bot.commands.registry import ValueType
from jobs.config import CLUSTER_LABEL

_VMID = re.compile(r"^[1-9][0-9]{2,8}$")
_CLUSTER_VMID = re.compile(rf"^(?P<cluster>{CLUSTER_LABEL})/(?P<vmid>[1-9][0-9]{{2,8}})$")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_SERVER_NAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_ACCOUNT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# A template is a VM, so its name is Proxmox's ``dns-name`` format (the schema's ``name`` of a
# VM): labels of letters, digits and inner dashes, joined by dots. Case is kept, because the
# worker finds a template by its exact name. Proxmox sets no length; DNS's (63 a label, 253
# in all) keep chat input bounded.
_DNS_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TEMPLATE = re.compile(rf"^{_DNS_LABEL}(?:\.{_DNS_LABEL})*$")
_MAX_TEMPLATE = 253
_NODE = re.compile(rf"^{_LABEL}$")
_USER = re.compile(r"^(?:<@!?)?(?P<id>[A-Za-z0-9._-]{1,64})(?:\|[^>]{0,80})?>?$")
_CODE = re.compile(r"^[a-f0-9]{12}$")
_BACKUP = re.compile(
    r"^[a-z][a-z0-9_-]{0,63}:backup/vzdump-qemu-[1-9][0-9]{2,8}-"
    r"[0-9]{4}_[0-9]{2}_[0-9]{2}-[0-9]{2}_[0-9]{2}_[0-9]{2}\.(?:vma|tar)(?:\.(?:zst|gz|lzo))?$"
)
# A backup as ``backup list`` shows it: the time it was taken (the worker finds the one).
_BACKUP_TIME = re.compile(
    r"^[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z?$"
)
_UPID = re.compile(
    r"^UPID:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}"
    r":[a-z0-9]+:[0-9]*:[a-z0-9._-]+@[a-z0-9._-]+(?:![a-z0-9._-]+)?:$",
    re.IGNORECASE,
)
# A root job id is <prefix>-<32 hex> (jobs.queue.job_id_for); a chain's own jobs add -s<k>/-t<k>.
_JOB_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}-[0-9a-f]{32}(?:-[st][0-9]{1,3})?$")
# A request's short reference (bot.store.refs): lowercase base32, "#" optional on input.
_REF = re.compile(r"^#?[a-z2-7]{4,12}$")
_TOPIC = re.compile(r"^[a-z-]{1,20}(?: [a-z-]{1,20}){0,2}$")
_AUDIT_FILTER = re.compile(r"^(?:[1-9][0-9]{2,8}|[a-z0-9][a-z0-9_-]{0,31}|[a-z]+:[\w.-]+:[\w.-]+)$")
_MAX_NOTE = 120


class Hinted(ValueError):
    """A refused value with what is wrong and, when there is one, the nearest valid form:
    the parser shows it after what was expected."""


def _check(pattern: re.Pattern[str], text: str) -> str:
    if not pattern.fullmatch(text):
        raise ValueError("does not match")
    return text


def _memory(text: str) -> int:
    try:
        mib = parse_memory_mib(text)
    except ActionError:
        raise ValueError("not a memory size") from None
    if not 256 <= mib <= 4 * 1024 * 1024:
        raise ValueError("out of range")
    return mib


def _disk(text: str) -> str:
    """Absolute (``40G``) or growth (``+20G``) as canonical text; the worker freezes a growth
    into an absolute size against the live disk."""
    try:
        size = parse_disk_size(text)
    except ActionError:
        raise ValueError("not a disk size") from None
    if size.bytes % MIB or not GIB <= size.bytes <= 64 * TIB:
        raise ValueError("out of range")
    return ("+" if size.relative else "") + pve_size(size.bytes)


def _disk_absolute(text: str) -> str:
    if text.startswith("+"):
        raise ValueError("growth is not a size")
    return _disk(text)


def _server(text: str) -> str:
    """``[cluster/]VMID`` as typed, or a name (lower-cased). Text with digits where a VMID
    goes is a VMID or nothing: ``0101`` is refused, never read as 101 or as a name."""
    if _VMID.fullmatch(text) or _CLUSTER_VMID.fullmatch(text):
        return text
    name = text.lower()
    if len(name) <= 63 and _SERVER_NAME.fullmatch(name) and not name.isdigit():
        return name
    problem = _server_problem(text)
    if problem is not None:
        raise Hinted(problem)
    raise ValueError("not a server reference")


def _server_problem(text: str) -> str | None:
    """Why ``text`` looks like a VMID (or cluster/VMID) but is not one, and what it meant."""
    cluster, slash, local = text.rpartition("/")
    if slash and not re.fullmatch(CLUSTER_LABEL, cluster):
        shown = cluster.strip().lower()
        fixed = f"{shown}/{local}" if re.fullmatch(CLUSTER_LABEL, shown) else _nearest_vmid(local)
        return _hint("a cluster is a lowercase name (letters, digits, -)", fixed)
    if slash:
        nearest = _nearest_vmid(local)
        fixed = f"{cluster}/{nearest}" if nearest else local.lower()
        return _hint(_vmid_problem(local) or "a cluster is followed by a VMID, not a name", fixed)
    found = _vmid_problem(text)
    return _hint(found, _nearest_vmid(text)) if found else None


def _vmid_problem(text: str) -> str | None:
    core = unicodedata.normalize("NFKC", text).strip()
    if not core or not (core[0].isdigit() or (core[0] in "+-" and core[1:2].isdigit())):
        return None  # not meant as a VMID: a name (checked as one)
    if any(c.isspace() for c in text):
        return "a server reference has no spaces"
    if core[0] in "+-":
        return "a VMID has no sign"
    if not text.isascii() or not text.isdigit():
        return "a VMID is digits 0-9 only"
    if text.startswith("0") and text.strip("0"):
        return "a VMID has no leading zeros"
    return "a VMID is a number from 100 to 999999999"


def _nearest_vmid(text: str) -> str:
    """The VMID ``text`` most likely meant: its leading digits without sign or zeros."""
    normal = unicodedata.normalize("NFKC", text).strip().lstrip("+-")
    digits = re.match(r"[0-9]*", normal.encode("ascii", "ignore").decode())
    candidate = (digits[0] if digits else "").lstrip("0")
    return candidate if _VMID.fullmatch(candidate) else ""


def _hint(problem: str, nearest: str) -> str:
    return f"{problem} — did you mean {nearest}?" if nearest else problem


def vmid_of(text: str) -> int | None:
    """The VMID that ``text`` is in its one valid form (``101``), else None."""
    return int(text) if _VMID.fullmatch(text) else None


def _template(text: str) -> str:
    if len(text) <= _MAX_TEMPLATE and _TEMPLATE.fullmatch(text):
        return text
    # ``debian_12`` is the one near miss worth naming: Proxmox refuses _ in a VM name.
    dashed = text.replace("_", "-")
    if dashed != text and len(dashed) <= _MAX_TEMPLATE and _TEMPLATE.fullmatch(dashed):
        raise Hinted(_hint("a Proxmox VM name has no _", dashed))
    raise ValueError("not a template name")


def _count(low: int, high: int) -> ValueType:
    def parse(text: str) -> int:
        if not re.fullmatch(r"[0-9]{1,4}", text) or not low <= int(text) <= high:
            raise ValueError("out of range")
        return int(text)

    return ValueType("N", f"a whole number from {low} to {high}", int, parse)


def _user(text: str) -> str:
    match = _USER.fullmatch(text)
    if not match:
        raise ValueError("not a user")
    return match["id"]


def _task_ref(text: str) -> str:
    """A UPID (checked as one), a request reference or a job id; never half of each."""
    if text[:5].upper() == "UPID:":
        return _check(_UPID, text)
    return _job_ref(text)


def _job_ref(text: str) -> str:
    """``#k3f9`` (returned with its ``#``) or a job id as ``/admin queue`` lists it."""
    if _REF.match(text.lower()):
        return "#" + text.lower().lstrip("#")
    return _check(_JOB_ID, text)


def _note(text: str) -> str:
    if not text.strip() or len(text) > _MAX_NOTE or not text.isprintable():
        raise ValueError("bad note")
    return text


SERVER = ValueType(
    "VM",
    "a server VMID (e.g. 101, or cluster/101) or its name (e.g. web1)",
    str,
    _server,
    names_server=True,
)
NEW_NAME = ValueType(
    "NAME", "a server name (DNS style, e.g. web1)", str, lambda t: _check(_SERVER_NAME, t.lower())
)
CPU = _count(1, 64)
MEMORY = ValueType(
    "SIZE", "a size like 512M, 8G or 1T", int, _memory, lambda mib: pve_size(mib * MIB)
)
DISK = ValueType("SIZE|+SIZE", "a disk size like 40G, or growth like +20G", str, _disk)
DISK_SIZE = ValueType("SIZE", "a disk size in whole GiB like 40G", str, _disk_absolute)
TEMPLATE = ValueType("NAME", "a template name (letters, digits, . and -)", str, _template)
ACCOUNT = ValueType(
    "ACCOUNT",
    "an account name: lowercase letters, digits, - and _, up to 32 characters",
    str,
    lambda t: _check(_ACCOUNT, t),
)
NODE = ValueType("NODE", "a Proxmox node name", str, lambda t: _check(_NODE, t.lower()))
USER = ValueType("USER", "a user id or @mention on this platform", str, _user)
CODE = ValueType(
    "CODE", "the 12-character code from /admin invite", str, lambda t: _check(_CODE, t.lower())
)


def _backup(text: str) -> str:
    """A backup's id as ``backup list`` shows it (``2026-12-01T10:00:00``, the time it was
    taken; canonical without a trailing Z), or its volume id as before."""
    if _BACKUP_TIME.fullmatch(text):
        return text.removesuffix("Z")
    return _check(_BACKUP, text)


BACKUP = ValueType(
    "BACKUP",
    "a backup's id as backup list shows it (the time it was taken: 2026-12-01T10:00:00)",
    str,
    _backup,
)
UPID_TYPE = ValueType("UPID", "a Proxmox task id (UPID:…)", str, lambda t: _check(_UPID, t))
JOB_ID = ValueType("#REF", "a request's reference as its reply showed it (#k3f9)", str, _job_ref)
TASK_REF = ValueType(
    "#REF|UPID", "a request's reference (#k3f9) or a Proxmox task id (UPID:…)", str, _task_ref
)
TOPIC = ValueType(
    "COMMAND", "a command name, e.g. resize", str, lambda t: _check(_TOPIC, t.lower())
)
AUDIT_FILTER = ValueType(
    "VM|USER", "a VMID, an account or a user key", str, lambda t: _check(_AUDIT_FILTER, t)
)
NOTE = ValueType(
    "TEXT", f"printable text up to {_MAX_NOTE} characters (quote it if it has spaces)", str, _note
)
