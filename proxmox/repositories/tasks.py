"""Proxmox tasks: status, log pages, stop, and a node's task list."""

from __future__ import annotations

from typing import Any, Literal

from proxmox.client import expect_list
from proxmox.models import TaskLogLine, TaskStatus
from proxmox.repositories._base import Repository, dicts, node_path
from proxmox.upid import UPID


class TaskRepository(Repository):
    def status(self, upid: UPID) -> TaskStatus:
        """Asked of the node in the UPID: that node runs the task and keeps its log."""
        return TaskStatus.model_validate(self._get_dict(_task_path(upid, "status")))

    def log(self, upid: UPID, *, start: int = 0, limit: int = 50) -> tuple[list[TaskLogLine], int]:
        """One page of the log and the total line count (for "line n of m" progress)."""
        path = _task_path(upid, "log")
        answer, total = self.client.get_with_total(path, {"start": start, "limit": limit})
        lines = [
            TaskLogLine.model_validate(item) for item in dicts(expect_list(answer, "GET", path))
        ]
        return lines, total if total is not None else start + len(lines)

    def stop(self, upid: UPID) -> None:
        self.client.delete(_task_path(upid))

    def list(
        self,
        node: str,
        *,
        vmid: int | None = None,
        limit: int = 50,
        since: int | None = None,
        source: Literal["archive", "active", "all"] | None = None,
        typefilter: str | None = None,
    ) -> list[dict[str, Any]]:
        """Recent tasks, newest first; in this list ``status`` holds the exit text (or
        ``RUNNING``). Proxmox lists only finished tasks unless ``source`` is ``active`` or
        ``all``; ``since`` is a Unix time compared with each task's start."""
        params = {
            "vmid": vmid,
            "limit": limit,
            "since": since,
            "source": source,
            "typefilter": typefilter,
        }
        return dicts(self._get_list(node_path(node, "tasks"), params))


def _task_path(upid: UPID, *rest: str) -> str:
    return node_path(upid.node, "tasks", str(upid), *rest)
