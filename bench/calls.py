"""Section 3: Proxmox API calls per operation, counted from the simulator's ``calls``,
beside the Convoy panel's sequences for the same operation.

Each operation runs alone through the real jobs (root job, steps, tracking with the
production intervals) on in-process RQ ``SimpleWorker``s over the simulator's in-process
transport; everything the simulator answered between start and finish is counted, task
status polls and log reads included. Convoy's resize is a config update and a disk resize
(2); its build is clone, config, resize, start plus a status poll every 3 s while the clone
runs, computed for the clone duration this run measured.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from actions.config import ActionsConfig
from bench.common import Figure, scratch_prefix
from bot.notifiers import LogNotifier
from bot.ports.notify import ReplyTarget
from bot.run.worker import action_factories as real_action_factories
from jobs.config import PRIORITIES, JobSettings
from jobs.context import WorkerContext, installed_context
from jobs.queue import JobRequest, RqJobQueue, rq_queue
from jobs.state.chains import chain_progress
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator

SECTION = "3. Proxmox calls per operation"
CLONE_SECONDS = 6.0
CONVOY_POLL = 3.0
TARGET = ReplyTarget(platform="console", workspace="bench", channel="ops", requester="boss")


@dataclass(frozen=True)
class Operation:
    label: str
    kind: str
    args: dict[str, Any]
    convoy: str  # what Convoy sends for it


def operations(sim: Simulator) -> list[Operation]:
    backup = sim.backups(101)[-1].volid
    return [
        Operation("resize", "server.resize", {"vmid": 101, "cores": 4, "memory": "8G",
                  "disk": "40G"}, "config update + disk resize"),
        Operation("build", "server.build", {"account": "acme", "cores": 2, "memory": "2G",
                  "disk": "12G"}, "clone, config, resize, start + poll every 3 s"),
        Operation("password", "server.password", {"vmid": 101}, "config update"),
        Operation("backup", "backup.create", {"vmid": 101}, "vzdump"),
        Operation("restore", "backup.restore", {"vmid": 101, "volid": backup},
                  "restore"),
        # 101: the demo templates live on pve1's local storage, so only pve1 VMs rebuild.
        Operation("rebuild", "server.rebuild", {"vmid": 101}, "delete + build"),
        Operation("delete", "server.delete", {"vmid": 103}, "stop + delete"),
    ]  # fmt: skip


def convoy_calls(op: Operation, clone_seconds: float) -> int:
    """Convoy's request count for the same operation (its Laravel jobs, one call per step;
    a build polls the clone's status every 3 s until it ends)."""
    polls = math.ceil(clone_seconds / CONVOY_POLL)
    return {
        "resize": 2,
        "build": 4 + polls,
        "rebuild": 2 + 4 + polls,  # delete, then the build sequence
        "delete": 2,
        "password": 1,
        "backup": 1,
        "restore": 1,
    }[op.label]


def run_one(ctx: WorkerContext, op: Operation, index: int, timeout: float = 90) -> str:
    request = JobRequest(
        kind=op.kind,
        vmid=op.args.get("vmid"),
        args=op.args,
        target=TARGET,
        requested_by="console:bench:boss",
        inbound_id=f"calls-{index}-{op.label}",
    )
    job_id = RqJobQueue(ctx.redis, settings=ctx.settings).submit(request).job_id
    queues = [rq_queue(ctx.redis, ctx.settings, p) for p in PRIORITIES]
    deadline = time.monotonic() + timeout
    while True:
        state = chain_progress(ctx.redis, job_id, prefix=ctx.prefix)
        if state is not None and state.status != "running":
            return state.status if state.error is None else f"{state.status}: {state.error}"
        if time.monotonic() > deadline:
            raise SystemExit(f"calls: {op.label} did not finish in {timeout} s")
        worker = SimpleWorker(queues, connection=ctx.redis, serializer=JSONSerializer)
        worker.work(burst=True, with_scheduler=True, logging_level="CRITICAL")
        time.sleep(0.1)


def clone_duration(sim: Simulator) -> float:
    clones = [t for t in sim.tasks.values() if t.upid.type == "qmclone"]
    return max(t.end - t.start for t in clones) if clones else CLONE_SECONDS


def figures(client: redis.Redis) -> tuple[list[Figure], dict[str, dict[str, int]]]:
    sim = Simulator.demo()
    sim.task_durations["qmclone"] = CLONE_SECONDS
    found: list[Figure] = []
    detail: dict[str, dict[str, int]] = {}
    with scratch_prefix(client, "calls") as prefix:
        settings = JobSettings(prefix=prefix)
        px = Proxmox(sim.client())
        ctx = WorkerContext(
            redis=client, proxmox=px, notifier=LogNotifier(), actions_config=ActionsConfig(),
            settings=settings, actions=real_action_factories(),
        )  # fmt: skip
        with installed_context(ctx):
            for index, op in enumerate(operations(sim)):
                sim.clear_calls()
                outcome = run_one(ctx, op, index)
                calls = list(sim.calls)
                detail[op.label] = dict(Counter(f"{c.method} {_shape(c.path)}" for c in calls))
                duration = clone_duration(sim)
                found.append(
                    Figure(SECTION, f"{op.label} ({outcome}; {op.convoy})", float(len(calls)),
                           "calls", "Convoy", float(convoy_calls(op, duration)))
                )  # fmt: skip
        px.client.close()
    return found, detail


def _shape(path: str) -> str:
    """``/nodes/pve1/qemu/101/config`` → ``/nodes/{node}/qemu/{vmid}/config``."""
    parts = path.split("/")
    out = []
    for i, part in enumerate(parts):
        if i > 0 and parts[i - 1] == "nodes":
            out.append("{node}")
        elif part.isdigit():
            out.append("{vmid}")
        elif part.startswith("UPID:"):
            out.append("{upid}")
        else:
            out.append(part)
    return "/".join(out)
