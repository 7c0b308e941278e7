"""Proxmox tasks: status, log pages, stop, and a node's task list."""

from __future__ import annotations

from typing import Any

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

    def list(self, node: str, *, vmid: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Recent tasks; in this list ``status`` holds the exit text (or ``RUNNING``)."""
        return dicts(self._get_list(node_path(node, "tasks"), {"vmid": vmid, "limit": limit}))


def _task_path(upid: UPID, *rest: str) -> str:
    return node_path(upid.node, "tasks", str(upid), *rest)
