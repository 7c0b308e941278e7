"""Server jobs, one per kind. Each is thin: ``runner.start`` re-checks ownership against
live Proxmox (the owner tag, with ``JobRequest.account``), takes the busy lock, runs the
Action's steps as chained jobs and reports. Arguments are the ``JobRequest`` as JSON.
"""

from __future__ import annotations

from typing import Any

from jobs.chain.runner import Outcome, start


def build(request: dict[str, Any]) -> Outcome:
    return start(request)


def delete(request: dict[str, Any]) -> Outcome:
    return start(request)


def rebuild(request: dict[str, Any]) -> Outcome:
    return start(request)


def resize(request: dict[str, Any]) -> Outcome:
    return start(request)


def password(request: dict[str, Any]) -> Outcome:
    return start(request)


def power(request: dict[str, Any]) -> Outcome:
    return start(request)


def status(request: dict[str, Any]) -> Outcome:
    return start(request)
