"""Proxmox task identifiers (UPIDs).

``UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`` — pid and starttime are 8
upper-case hex digits, pstart 8 or (after ~497 days of uptime) 9, ``id`` may be empty and
``user`` is ``user@realm`` or ``user@realm!tokenid`` for token-started tasks. The node in a
UPID is the node to poll for the task's status, which can differ from the node a request
was sent to. Mirrors pve-common ``PVE/UPID.pm``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UPID = re.compile(
    r"^UPID:(?P<node>[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)"
    r":(?P<pid>[0-9A-Fa-f]{8}):(?P<pstart>[0-9A-Fa-f]{8,9}):(?P<starttime>[0-9A-Fa-f]{8})"
    r":(?P<type>[^:\s/]+):(?P<id>[^:\s/]*):(?P<user>[^:\s/]+):$"
)
_MAX_SHOWN = 80


class InvalidUPID(ValueError):
    """A string that is not a Proxmox UPID."""

    def __init__(self, value: object) -> None:
        shown = repr(value) if not isinstance(value, str) else repr(value[:_MAX_SHOWN])
        super().__init__(
            f"not a Proxmox task id (UPID): {shown}; expected "
            "UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:"
        )


@dataclass(frozen=True, slots=True)
class UPID:
    node: str
    pid: int
    pstart: int
    starttime: int
    type: str
    id: str
    user: str

    @classmethod
    def parse(cls, value: object) -> UPID:
        if not isinstance(value, str):
            raise InvalidUPID(value)
        match = _UPID.match(value)
        if match is None:
            raise InvalidUPID(value)
        return cls(
            node=match["node"],
            pid=int(match["pid"], 16),
            pstart=int(match["pstart"], 16),
            starttime=int(match["starttime"], 16),
            type=match["type"],
            id=match["id"],
            user=match["user"],
        )

    @classmethod
    def is_valid(cls, value: object) -> bool:
        return isinstance(value, str) and _UPID.match(value) is not None

    def __str__(self) -> str:
        return (
            f"UPID:{self.node}:{self.pid:08X}:{self.pstart:08X}:{self.starttime:08X}:"
            f"{self.type}:{self.id}:{self.user}:"
        )

    @property
    def tokenid(self) -> str | None:
        """The API token name when a token started the task (``user@realm!tokenid``)."""
        _, sep, token = self.user.partition("!")
        return token if sep else None

    @property
    def vmid(self) -> int | None:
        """The guest the task works on, when its id is a plain VMID."""
        return int(self.id) if self.id.isdigit() else None
