"""Hand-written fakes for the jobs tests: a tiny Proxmox task API over httpx.MockTransport
(task status and log, cluster resources) and small Actions built on ``actions.base.Action``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

import httpx
import redis
from pydantic import BaseModel, SecretStr

from actions.base import JSON, Action, Plan, Step, StepResult
from proxmox.client import ProxmoxClient
from proxmox.errors import ProxmoxLocked, ProxmoxParameterError
from proxmox.repositories import Proxmox


@dataclass
class FakeTask:
    upid: str
    node: str
    started: float
    seconds: float
    exitstatus: str
    log: list[str]

    def running(self, now: float) -> bool:
        return now < self.started + self.seconds


@dataclass
class FakePve:
    """Tasks that end after ``seconds`` with ``exitstatus``; VMs for /cluster/resources."""

    tasks: dict[str, FakeTask] = field(default_factory=dict)
    vms: list[dict[str, Any]] = field(default_factory=list)
    _pids: itertools.count[int] = field(default_factory=lambda: itertools.count(0x1000))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start_task(
        self,
        kind: str,
        vmid: int,
        *,
        seconds: float = 0.0,
        exitstatus: str = "OK",
        log: list[str] | None = None,
    ) -> str:
        with self._lock:
            pid = next(self._pids)
        now = time.time()
        upid = f"UPID:pve1:{pid:08X}:00001000:{int(now):08X}:{kind}:{vmid}:root@pam!jh:"
        self.tasks[upid] = FakeTask(upid, "pve1", now, seconds, exitstatus, log or [])
        return upid

    def client(self) -> ProxmoxClient:
        return ProxmoxClient(
            "https://fake-pve:8006",
            "root@pam!jh",
            SecretStr("secret"),
            transport=httpx.MockTransport(self._handle),
        )

    def proxmox(self) -> Proxmox:
        return Proxmox(self.client())

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path).removeprefix("/api2/json")
        if path == "/cluster/resources":
            return _ok(self.vms)
        if re.fullmatch(r"/nodes/[^/]+/tasks", path):
            return _ok(self._listed(request.url.params))
        match = re.fullmatch(r"/nodes/[^/]+/tasks/(UPID:[^/]+)/(status|log)", path)
        if not match or match[1] not in self.tasks:
            return httpx.Response(404, json={"data": None})
        task = self.tasks[match[1]]
        now = time.time()
        if match[2] == "status":
            running = task.running(now)
            data = {
                "upid": task.upid,
                "node": task.node,
                "type": match[1].split(":")[5],
                "status": "running" if running else "stopped",
                "starttime": int(task.started),
            }
            if not running:
                data["exitstatus"] = task.exitstatus
            return _ok(data)
        shown = _visible_log(task, now)
        start = int(request.url.params.get("start", "0"))
        lines = [{"n": i + 1, "t": t} for i, t in enumerate(shown)][start:]
        return httpx.Response(200, json={"data": lines, "total": len(shown)})

    def _listed(self, params: httpx.QueryParams) -> list[dict[str, Any]]:
        """``GET /nodes/{node}/tasks`` with ``source=all``: newest first, filtered."""
        now, out = time.time(), []
        for task in sorted(self.tasks.values(), key=lambda t: t.started, reverse=True):
            parts = task.upid.split(":")
            if params.get("vmid") not in (None, parts[6]):
                continue
            if params.get("typefilter") not in (None, parts[5]):
                continue
            if int(task.started) < int(params.get("since", 0)):
                continue
            status = "RUNNING" if task.running(now) else task.exitstatus
            out.append({"upid": task.upid, "type": parts[5], "id": parts[6], "status": status})
        return out


def _visible_log(task: FakeTask, now: float) -> list[str]:
    if not task.log or task.seconds <= 0:
        return list(task.log)
    share = min(1.0, (now - task.started) / task.seconds)
    return task.log[: max(1, int(len(task.log) * share))]


def _ok(data: Any) -> httpx.Response:
    return httpx.Response(200, content=json.dumps({"data": data}).encode())


class VmArgs(BaseModel):
    vmid: int


class Recorder:
    """Where fake Actions note what they did, in Redis, so a subprocess worker can too."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.r = client
        self.key = f"{prefix}:record"

    def note(self, what: str) -> None:
        self.r.rpush(self.key, what)

    def all(self) -> list[str]:
        return [v.decode() if isinstance(v, bytes) else v for v in self.r.lrange(self.key, 0, -1)]


class FakeAction(Action[VmArgs]):
    request_model: ClassVar[type[BaseModel]] = VmArgs

    def __init__(self, pve: FakePve, recorder: Recorder) -> None:
        self.pve = pve
        self.rec = recorder

    def plan(self, request: VmArgs) -> Plan:
        return Plan(action=self.name, vmid=request.vmid, summary=self.name)


class TaskAction(FakeAction):
    """One step that starts a task (like a disk resize)."""

    name = "test.task"
    title = "Disk resize"
    steps = (Step("execute", says="growing the disk"),)
    seconds: ClassVar[float] = 1.5
    exitstatus: ClassVar[str] = "OK"

    def execute(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.rec.note("execute")
        upid = self.pve.start_task(
            "qmresize", request.vmid, seconds=self.seconds, exitstatus=self.exitstatus
        )
        return StepResult(summary=f"growing disk of {request.vmid}", upid=upid)


class FailingTaskAction(TaskAction):
    name = "test.failing"
    exitstatus = "can't extend volume: no space left on device"


class WarningTaskAction(TaskAction):
    name = "test.warning"
    exitstatus = "WARNINGS: 2"


class ChainAction(FakeAction):
    """clone (task with progress) → configure (no task) → resize (task) → start (task)."""

    name = "test.build"
    title = "Test build"
    steps = (
        Step("clone", says="copying the template"),
        Step("configure", says="setting it up"),
        Step("resize", says="growing the disk"),
        Step("start", says="starting it"),
    )

    def clone(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.rec.note("clone")
        log = [f"transferred {i} GiB of 4 GiB ({i * 25}.00%)" for i in range(5)]
        upid = self.pve.start_task("qmclone", request.vmid, seconds=2.0, log=log)
        return StepResult(summary="cloning", upid=upid, context={"node": "pve1"})

    def configure(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.rec.note(f"configure on {context['node']}")
        return StepResult(summary="configured", context={"configured": True})

    def resize(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.rec.note(f"resize configured={context['configured']}")
        upid = self.pve.start_task("qmresize", request.vmid, seconds=0.5)
        return StepResult(summary="growing disk", upid=upid)

    def start(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.rec.note("start")
        return StepResult(summary="starting", upid=self.pve.start_task("qmstart", request.vmid))


class FailingChainAction(ChainAction):
    name = "test.build_fails"

    def resize(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.rec.note("resize")
        upid = self.pve.start_task(
            "qmresize", request.vmid, seconds=0.2, exitstatus="disk resize failed"
        )
        return StepResult(summary="growing disk", upid=upid)


class LongTaskAction(TaskAction):
    """A task that outlives any tracking deadline a test sets."""

    name = "test.long"
    seconds = 30.0


class LockedAction(FakeAction):
    """Proxmox answers "VM is locked (backup)" the first ``locked_times`` attempts."""

    name = "test.locked"
    title = "Configure"
    steps = (Step("execute", says="changing the settings"),)
    locked_times: ClassVar[int] = 2

    def execute(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        attempt = int(self.rec.r.incr(f"{self.rec.key}:attempts"))
        self.rec.note(f"attempt {attempt}")
        if attempt <= self.locked_times:
            raise ProxmoxLocked("VM is locked (backup)", method="PUT", path="/x", status=500)
        return StepResult(summary=f"configured {request.vmid}")


class RefusedAction(FakeAction):
    name = "test.refused"
    title = "Memory change"
    steps = (Step("execute", says="changing the memory"),)

    def execute(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.rec.note("refused")
        raise ProxmoxParameterError(
            "Parameter verification failed.", errors={"memory": "value too small"}, status=400
        )


class PasswordLikeAction(FakeAction):
    name = "test.secret"
    title = "New password"
    steps = (Step("execute", says="setting a new password"),)

    def execute(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        self.deliver_privately("The new password:", SecretStr("s3cret-Pa55"))
        return StepResult(summary="password set")


class SlowAction(FakeAction):
    """The first attempt hangs (the test kills its worker); later attempts finish at once."""

    name = "test.slow"
    title = "Slow change"
    steps = (Step("execute", says="changing the settings"),)

    def execute(self, request: VmArgs, context: Mapping[str, JSON]) -> StepResult:
        attempt = int(self.rec.r.incr(f"{self.rec.key}:attempts"))
        self.rec.note(f"attempt {attempt}")
        if attempt == 1:
            time.sleep(60)
        return StepResult(summary=f"done on attempt {attempt}")


ALL_FAKES: tuple[type[FakeAction], ...] = (
    TaskAction,
    FailingTaskAction,
    WarningTaskAction,
    LongTaskAction,
    ChainAction,
    FailingChainAction,
    LockedAction,
    RefusedAction,
    PasswordLikeAction,
    SlowAction,
)
