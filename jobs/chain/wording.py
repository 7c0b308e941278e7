"""How messages name an operation and a duration: shared by the workers' reports and the
bot's ``/server task`` view. Imports nothing that talks to Proxmox, so the bot process can
use it without loading the worker's side."""

from __future__ import annotations

from actions.sizes import human_duration
from jobs.kinds import SERVER_POWER
from jobs.queue import JobRequest


def label(request: JobRequest) -> str:
    """``resize 101``, ``reboot 101``, ``backup create 101``, ``build``: how messages name
    the operation (a power request by its verb, as it was typed)."""
    verb = request.kind.removeprefix("server.").replace(".", " ").replace("_", " ")
    if request.kind == SERVER_POWER.name and isinstance(request.args.get("action"), str):
        verb = str(request.args["action"])
    return f"{verb} {request.vmid}" if request.vmid is not None else verb


def gave_up(error: str, tries: int, seconds: float) -> str:
    """``VM is locked (backup) — gave up after 4 tries over 3 s``: a retried error, once."""
    return f"{error} — gave up after {tries} tries over {duration(seconds)}"


def duration(seconds: float) -> str:
    """How long, as everywhere in chat (``actions.sizes.human_duration``: ``10 min 1 s``)."""
    return human_duration(seconds)
