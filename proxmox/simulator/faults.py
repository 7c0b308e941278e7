"""Fault injection: what a flaky network, proxy or busy cluster does to API calls.

Rules match by method and a regular expression searched in the API path (without
``/api2/json``) and fire for the next ``count`` matching requests, or until a clock time.
Task outcomes are injected into the task table: the next task of a type fails or warns.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from proxmox.simulator.clock import Clock
from proxmox.simulator.tasks import TaskTable

_DEFAULT_REASON = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    595: "Errors during connection establishment, proxy handshake: Connection refused",
    596: "Connection timed out",
}


@dataclass
class Rule:
    kind: str  # status | hang | reset
    method: str | None
    path: re.Pattern[str] | None
    remaining: int | None  # None: until ``until`` (or forever)
    until: float | None = None
    status: int = 500
    message: str = ""
    seconds: float = 0.0

    def matches(self, method: str, path: str, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.path is None or self.path.search(path) is not None


class Faults:
    """Injected faults; every method is safe to call while the server is serving."""

    def __init__(self, clock: Clock, tasks: TaskTable) -> None:
        self._clock = clock
        self._tasks = tasks
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self.latency = 0.0  # seconds added before every request is handled
        self.reject_all_auth = False  # every request gets 401, as with a revoked token

    # -- request faults ----------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 500,
        message: str | None = None,
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """The next ``count`` matching requests get ``status`` (e.g. 500, 595, 596)."""
        text = message if message is not None else _DEFAULT_REASON.get(status, "Error")
        self._add(Rule("status", method, _rx(path), count, status=status, message=text))

    def hang_next(
        self,
        seconds: float = 35.0,
        *,
        count: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """The next matching requests stall ``seconds`` and then answer 596, like pveproxy."""
        self._add(Rule("hang", method, _rx(path), count, seconds=seconds, status=596))

    def reset_next(
        self, *, count: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """The next matching requests get their connection closed without any response."""
        self._add(Rule("reset", method, _rx(path), count))

    def lock_timeout(self, vmid: int, *, seconds: float = 30.0) -> None:
        """For ``seconds`` of clock time, writes to this VM fail with the flock timeout."""
        message = f"can't lock file '/var/lock/qemu-server/lock-{vmid}.conf' - got timeout"
        pattern = re.compile(rf"/qemu/{vmid}(/|$)")
        until = self._clock.now() + seconds
        for method in ("POST", "PUT", "DELETE"):
            self._add(Rule("status", method, pattern, None, until, 500, message))

    def reject_auth(self, enabled: bool = True) -> None:
        self.reject_all_auth = enabled

    # -- task faults -------------------------------------------------------------------------

    def fail_next_task(self, task_type: str, message: str) -> None:
        """The next task of ``task_type`` (e.g. ``qmclone``) ends with this error."""
        self._tasks.inject(task_type, error=message)

    def warn_next_task(self, task_type: str, warnings: int = 1) -> None:
        self._tasks.inject(task_type, warnings=warnings)

    # -- used by the app ---------------------------------------------------------------------

    def take(self, method: str, path: str, kinds: tuple[str, ...]) -> Rule | None:
        """The first matching rule of these kinds, consuming one of its uses."""
        now = self._clock.now()
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and rule.matches(method, path, now):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self._rules.remove(rule)
                    return rule
        return None

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
        self.latency = 0.0
        self.reject_all_auth = False

    def _add(self, rule: Rule) -> None:
        if rule.remaining is not None and rule.remaining < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._rules.append(rule)


def _rx(path: str | None) -> re.Pattern[str] | None:
    return re.compile(path) if path is not None else None
