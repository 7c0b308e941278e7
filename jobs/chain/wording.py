"""How messages name an operation and a duration: shared by the workers' reports and the
bot's ``/server task`` view. Imports nothing that talks to Proxmox, so the bot process can
use it without loading the worker's side."""

from __future__ import annotations

from jobs.kinds import SERVER_POWER
from jobs.queue import JobRequest


def label(request: JobRequest) -> str:
    """``resize 101``, ``reboot 101``, ``backup create 101``, ``build``: how messages name
    the operation (a power request by its verb, as it was typed)."""
    verb = request.kind.removeprefix("server.").replace(".", " ").replace("_", " ")
    if request.kind == SERVER_POWER.name and isinstance(request.args.get("action"), str):
        verb = str(request.args["action"])
    return f"{verb} {request.vmid}" if request.vmid is not None else verb


def duration(seconds: float) -> str:
    """One duration format everywhere: ``45 s``, ``3 min 5 s``, ``42 min``, ``23 h 59 min``,
    ``2 d 4 h`` (seconds only while they matter)."""
    seconds = max(0, round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes} min {seconds % 60} s"
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} d {hours % 24} h"
