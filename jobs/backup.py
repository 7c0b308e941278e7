"""Backup jobs, one per kind; thin like the server jobs (see ``jobs.server``)."""

from __future__ import annotations

from typing import Any

from jobs.chain.runner import Outcome, start


def create(request: dict[str, Any]) -> Outcome:
    return start(request)


def restore(request: dict[str, Any]) -> Outcome:
    return start(request)


def delete(request: dict[str, Any]) -> Outcome:
    return start(request)


def list_backups(request: dict[str, Any]) -> Outcome:
    return start(request)
