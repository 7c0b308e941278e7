"""Node task list, one task's status and log, stopping a task."""

from __future__ import annotations

from typing import Any

from proxmox.simulator.params import b, i, s
from proxmox.simulator.routing import Req, Route, WithTotal
from proxmox.simulator.schema import NODE_ONLY, OPT_VMID
from proxmox.simulator.state import World

TASK_PATH = {**NODE_ONLY, "upid": s().required()}


def list_tasks(w: World, r: Req) -> Any:
    """Newest first; by default only finished tasks (``source=archive``), like the server."""
    w.node(r.p["node"])
    source = r.p.get("source", "archive")
    tasks = list(reversed(w.tasks.on_node(r.p["node"])))
    if source == "archive":
        tasks = [t for t in tasks if not t.running]
    elif source == "active":
        tasks = [t for t in tasks if t.running]
    if "vmid" in r.p:
        tasks = [t for t in tasks if t.upid.id == str(r.p["vmid"])]
    if r.p.get("typefilter"):
        tasks = [t for t in tasks if t.upid.type == r.p["typefilter"]]
    if r.p.get("userfilter"):
        tasks = [t for t in tasks if r.p["userfilter"] in t.upid.user]
    if r.p.get("errors"):
        tasks = [t for t in tasks if not t.running and not _success(t.exitstatus)]
    if "since" in r.p:
        tasks = [t for t in tasks if t.upid.starttime >= r.p["since"]]
    if "until" in r.p:
        tasks = [t for t in tasks if t.upid.starttime <= r.p["until"]]
    start, limit = int(r.p.get("start", 0)), int(r.p.get("limit", 50))
    page = tasks[start : start + limit]
    return WithTotal([t.list_view() for t in page], len(tasks))


def _success(status: str | None) -> bool:
    return status == "OK" or (status or "").startswith("WARNINGS: ")


def task_status(w: World, r: Req) -> Any:
    return w.tasks.find(r.p["node"], r.p["upid"]).status_view()


def task_log(w: World, r: Req) -> Any:
    """``[{n, t}]`` from ``start`` (0-based), at most ``limit`` lines, plus ``total``."""
    task = w.tasks.find(r.p["node"], r.p["upid"])
    lines = task.lines(w.clock.now())
    start, limit = int(r.p.get("start", 0)), int(r.p.get("limit", 50))
    page = [{"n": n + 1, "t": text} for n, text in enumerate(lines)][start : start + limit]
    return WithTotal(page, len(lines))


def stop_task(w: World, r: Req) -> Any:
    w.tasks.stop(w.tasks.find(r.p["node"], r.p["upid"]))
    return None


ROUTES = (
    Route("GET", "/nodes/{node}/tasks",
          {**NODE_ONLY, "start": i(minimum=0), "limit": i(minimum=0), "vmid": OPT_VMID,
           "typefilter": s(), "userfilter": s(), "errors": b(), "since": i(), "until": i(),
           "source": s(enum=("archive", "active", "all")), "statusfilter": s()},
          list_tasks, ("/nodes/{node}", "Sys.Audit")),
    Route("GET", "/nodes/{node}/tasks/{upid}/status", TASK_PATH, task_status),
    Route("GET", "/nodes/{node}/tasks/{upid}/log",
          {**TASK_PATH, "start": i(minimum=0), "limit": i(minimum=0), "download": b()},
          task_log),
    Route("DELETE", "/nodes/{node}/tasks/{upid}", TASK_PATH, stop_task,
          ("/nodes/{node}", "Sys.Modify")),
)  # fmt: skip
