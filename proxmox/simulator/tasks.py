"""Proxmox worker tasks: UPIDs, timing, outcomes, logs with progress lines.

No thread runs a task. Each task knows its start and end time on the simulator clock and is
*settled* lazily (``TaskTable.settle``) by the next request or state read after its end: its
effect (``on_done``) or its cleanup (``on_fail``) runs then, under the simulator lock. A task
ends ``OK``, ``WARNINGS: n`` or with an error text, as ``exitstatus`` and as the log's last
line (``TASK OK`` / ``TASK WARNINGS: n`` / ``TASK ERROR: ...``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from proxmox.simulator.clock import Clock
from proxmox.simulator.params import ApiError, param_error
from proxmox.upid import UPID

Progress = Callable[[float], list[str]]
DEFAULT_DURATIONS: dict[str, float] = {
    "qmclone": 1.5,
    "vzdump": 1.0,
    "qmrestore": 1.0,
    "qmcreate": 0.5,
    "qmdestroy": 0.3,
}
OTHER_DURATION = 0.2
ERROR_DURATION = 0.1
INTERRUPTED = "interrupted by signal"


class TaskFailed(Exception):
    """Raised by a task's effect when it ends in an error (the message is the exitstatus)."""


@dataclass
class Task:
    upid: UPID
    start: float
    end: float
    head: list[str] = field(default_factory=list)
    progress: Progress | None = None
    on_done: Callable[[], list[str] | None] | None = None
    on_fail: Callable[[], None] | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    fail_at: float = 0.0  # share of the progress shown before an error
    exitstatus: str | None = None
    endtime: int | None = None
    tail: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return str(self.upid)

    @property
    def running(self) -> bool:
        return self.exitstatus is None

    def lines(self, now: float) -> list[str]:
        """The log as it reads at ``now``: head, progress so far, then the end lines."""
        span = self.end - self.start
        done = 1.0 if span <= 0 else max(0.0, min(1.0, (now - self.start) / span))
        if self.exitstatus is not None:
            done = 1.0 if self.error is None else self.fail_at
        body = self.progress(done) if self.progress is not None and done > 0 else []
        return [*self.head, *body, *self.tail]

    def _identity(self) -> dict[str, Any]:
        user, _, token = self.upid.user.partition("!")
        out: dict[str, Any] = {
            "upid": self.text, "node": self.upid.node, "pid": self.upid.pid,
            "pstart": self.upid.pstart, "starttime": self.upid.starttime,
            "type": self.upid.type, "id": self.upid.id, "user": user,
        }  # fmt: skip
        if token:
            out["tokenid"] = token
        return out

    def status_view(self) -> dict[str, Any]:
        """``GET .../tasks/{upid}/status``: running|stopped, plus exitstatus when stopped."""
        out = self._identity()
        out["status"] = "running" if self.running else "stopped"
        if not self.running:
            out["exitstatus"] = self.exitstatus
        return out

    def list_view(self) -> dict[str, Any]:
        """``GET /nodes/{node}/tasks``: the exit text lives in ``status`` (or RUNNING)."""
        out = self._identity()
        out["status"] = "RUNNING" if self.running else self.exitstatus
        if self.endtime is not None:
            out["endtime"] = self.endtime
        return out


class TaskTable:
    """All tasks of the cluster, in start order, plus per-type durations and injected outcomes."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.durations: dict[str, float] = dict(DEFAULT_DURATIONS)
        self.time_scale = 1.0
        self.tasks: dict[str, Task] = {}
        self._next_pid = 0x0003A2F0
        self._injected: dict[str, deque[tuple[str | None, int]]] = {}

    def inject(self, task_type: str, *, error: str | None = None, warnings: int = 0) -> None:
        """The next task of this type ends with ``error`` (or ``warnings`` warnings)."""
        self._injected.setdefault(task_type, deque()).append((error, warnings))

    def duration_of(self, task_type: str) -> float:
        return self.durations.get(task_type, OTHER_DURATION) * self.time_scale

    def start(
        self,
        *,
        node: str,
        pstart: int,
        task_type: str,
        task_id: str,
        user: str,
        head: Iterable[str] = (),
        progress: Progress | None = None,
        on_done: Callable[[], list[str] | None] | None = None,
        on_fail: Callable[[], None] | None = None,
        error: str | None = None,
    ) -> Task:
        """Start a task; a precheck ``error`` makes it fail quickly, without progress."""
        now = self.clock.now()
        self._next_pid += 0x3B
        upid = UPID(node, self._next_pid, pstart, int(now), task_type, task_id, user)
        task = Task(upid, now, now, list(head), progress, on_done, on_fail, error)
        injected = self._injected.get(task_type)
        if error is None and injected:
            task.error, count = injected.popleft()
            task.fail_at = 0.5
            task.warnings = [f"WARN: simulated warning {k + 1}" for k in range(count)]
        span = ERROR_DURATION * self.time_scale if error else self.duration_of(task_type)
        task.end = now + span
        self.tasks[task.text] = task
        return task

    def settle(self) -> None:
        """Finish every task whose end time has passed, in end-time order."""
        now = self.clock.now()
        due = sorted((t for t in self.tasks.values() if t.running and t.end <= now), key=_end)
        for task in due:
            self._finish(task)

    def _finish(self, task: Task) -> None:
        if task.error is None and task.on_done is not None:
            try:
                task.tail.extend(task.on_done() or [])
            except TaskFailed as exc:
                task.error = str(exc)
                task.fail_at = 1.0
        if task.error is not None:
            if task.on_fail is not None:
                task.on_fail()
            self._close(task, task.error, f"TASK ERROR: {task.error}")
        elif task.warnings:
            task.tail.extend(task.warnings)
            status = f"WARNINGS: {len(task.warnings)}"
            self._close(task, status, f"TASK {status}")
        else:
            self._close(task, "OK", "TASK OK")

    def _close(self, task: Task, status: str, last_line: str) -> None:
        task.exitstatus = status
        task.endtime = int(max(task.end, task.start))
        task.tail.append(last_line)

    def stop(self, task: Task) -> None:
        """``DELETE /nodes/{node}/tasks/{upid}``: the worker is killed."""
        if not task.running:
            return
        task.error = INTERRUPTED
        task.fail_at = max(0.0, min(1.0, (self.clock.now() - task.start) / _span(task)))
        task.end = self.clock.now()
        task.warnings = []
        self._finish(task)

    def find(self, node: str, text: str) -> Task:
        """The task a node knows by this UPID (a node only has its own tasks' files)."""
        if not UPID.is_valid(text):
            raise param_error({"upid": "unable to parse worker upid"})
        task = self.tasks.get(text)
        if task is None or task.upid.node != node:
            raise param_error({"upid": "no such task"})
        return task

    def on_node(self, node: str) -> list[Task]:
        return [t for t in self.tasks.values() if t.upid.node == node]


def _end(task: Task) -> float:
    return task.end


def _span(task: Task) -> float:
    return max(task.end - task.start, 1e-9)


__all__ = ["ApiError", "Task", "TaskFailed", "TaskTable"]
