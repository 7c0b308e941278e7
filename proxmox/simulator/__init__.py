"""A faithful Proxmox VE 9.x API simulator (WSGI; in-process or over loopback HTTP).

See ``proxmox.simulator.simulator`` for the Python API and ``proxmox.simulator.fleet`` for
the demo fleet.
"""

from proxmox.simulator.app import RecordedCall
from proxmox.simulator.clock import Clock
from proxmox.simulator.simulator import (
    READONLY_TOKEN_ID,
    READONLY_TOKEN_SECRET,
    SIM_TOKEN_ID,
    SIM_TOKEN_SECRET,
    Simulator,
)

__all__ = [
    "READONLY_TOKEN_ID",
    "READONLY_TOKEN_SECRET",
    "SIM_TOKEN_ID",
    "SIM_TOKEN_SECRET",
    "Clock",
    "RecordedCall",
    "Simulator",
]
