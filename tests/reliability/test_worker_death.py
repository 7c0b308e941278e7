"""kill -9 of a real worker process (``jotunheim worker --simple``) in the middle of a
chained build: the chain resumes or fails with a report, never silence; the build's steps
do not repeat in a way that changes the result (one clone, one new VM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.scheduler import RQScheduler

from jobs.config import PRIORITIES
from jobs.queue import rq_queue
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET
from tests.conftest import redis_url
from tests.reliability.conftest import ADMIN, Stack

REPO = Path(__file__).resolve().parents[2]


def _worker(stack: Stack, url: str, key: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROXMOX_", "JOTUNHEIM_"))}
    env.update(
        JOTUNHEIM_ENV_FILE="", REDIS_URL=redis_url(), PROXMOX_URL=url,
        PROXMOX_TOKEN_ID=SIM_TOKEN_ID, PROXMOX_TOKEN_SECRET=SIM_TOKEN_SECRET,
        JOTUNHEIM_REDIS_PREFIX=stack.prefix, JOTUNHEIM_WORKER_TRACKING_INTERVALS="[1]",
        JOTUNHEIM_WORKER_RETRY_INTERVALS="[1]", JOTUNHEIM_WORKER_INVENTORY_INTERVAL="3600",
        JOTUNHEIM_WORKER_NOTIFIER="tests.reliability.redis_notifier:from_env",
        RELIABILITY_NOTIFY_URL=redis_url(), RELIABILITY_NOTIFY_KEY=key,
    )  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker", "--simple", "--log-level", "WARNING"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker and its scheduler child
    )  # fmt: skip


@pytest.mark.parametrize("kill_at", ["clone", "configure"])
def test_killed_worker_mid_build_resumes_or_reports(stack: Stack, kill_at: str) -> None:
    stack.sim.faults.latency = 0.3  # every Proxmox call takes a while: the kill lands mid-job
    stack.sim.task_durations["qmclone"] = 40.0  # x0.05 → 2 s
    before = set(stack.sim.vms)
    key = f"{stack.prefix}:worker-said"
    reply = stack.handler.handle(
        stack.invocation(
            "server create acme template=debian-12 cpu=2 memory=2G disk=12G", ADMIN, scope="admin"
        )
    )
    assert "queued" in reply.text, reply.text
    job_id = reply.text.rsplit("job ", 1)[1].rstrip(")")
    url = stack.ctx.proxmox.client.base_url.removesuffix("/api2/json")
    proc = _worker(stack, url, key)
    try:
        deadline = time.monotonic() + 30
        while True:
            state = stack.chain(job_id)
            names = [s.name for s in state.steps if s.state in ("running", "task")] if state else []
            if kill_at in names:
                break
            assert proc.poll() is None, "the worker ended early"
            assert time.monotonic() < deadline, f"never reached {kill_at}"
            time.sleep(0.05)
        time.sleep(0.15)
    finally:
        # kill -9 the whole worker: RQ's scheduler runs in a forked child that would
        # otherwise live on as an orphan, still moving scheduled jobs.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    for priority in PRIORITIES:  # what RQ does once the dead worker's TTLs have run out:
        queue = rq_queue(stack.client, stack.jobs, priority)
        queue.started_job_registry.cleanup(timestamp=time.time() + 3600)  # heartbeat gone
        stack.client.delete(RQScheduler.get_locking_key(queue.name))  # scheduler lock gone
    stack.sim.faults.latency = 0.0
    state = stack.run_chain(job_id, timeout=60)

    raw: list[bytes] = stack.client.lrange(key, 0, -1)  # type: ignore[assignment]
    said = [t.decode() for t in raw] + stack.worker_notifier.texts()
    assert state.status in ("succeeded", "failed")
    final = said[-1]
    assert final.startswith(("✓ build", "✗ build")), said
    if state.status == "failed":
        assert "stopped unexpectedly" in final or state.error, said
    clones = [c for c in stack.sim.calls if c.method == "POST" and c.path.endswith("/clone")]
    assert [c.status for c in clones].count(200) == 1
    new_vms = set(stack.sim.vms) - before
    assert len(new_vms) <= 1
    if state.status == "succeeded":
        [vmid] = new_vms
        assert stack.sim.vms[vmid].status == "running"
    for vmid in new_vms:
        assert stack.locks().holder(vmid) is None
