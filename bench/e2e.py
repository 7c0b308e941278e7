"""Section 2: command → UPID in the channel, end to end, with 1 and 2 real workers.

The simulator serves over loopback HTTP; ``jotunheim worker`` runs in subprocesses (the
production composition root, forking RQ ``Worker``) with ``bench.timing``'s notifier. Time
runs from ``handler.handle()`` (an admin's ``/server reboot <vm>``, each on its own VM so no
busy lock is met) to the worker's post of the UPID. The floor: the same workers running a
no-op RQ job, from ``enqueue`` to the job's own timestamp.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.common import Figure, delete_prefixed, new_prefix, quantile, redis_url_db15, rss_kib
from bench.fleet import add_customer_vms
from bench.timing import KEY_ENV, URL_ENV, UpidTimingNotifier
from bot.compose import build_handler
from bot.dispatch import Dispatcher
from bot.ports.invocation import Identity, Invocation
from bot.settings.policy import PolicySettings
from jobs.config import JobSettings
from jobs.queue import RqJobQueue, rq_queue
from jobs.state.inventory import Inventory, InventoryEntry
from jobs.state.locks import BusyLocks
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator

REPO = Path(__file__).resolve().parents[1]
ADMIN = Identity(platform="console", workspace="bench", user="boss")
FIRST_VMID = 1000


@dataclass
class Run:
    latencies: list[float]  # ms, one command at a time
    per_second: float  # a burst, all submitted at once
    worker_rss_kib: int


def worker_env(url: str, prefix: str, key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROXMOX_", "JOTUNHEIM_"))}
    env.update(
        JOTUNHEIM_ENV_FILE="",
        REDIS_URL=redis_url_db15(),
        PROXMOX_URL=url,
        PROXMOX_TOKEN_ID=SIM_TOKEN_ID,
        PROXMOX_TOKEN_SECRET=SIM_TOKEN_SECRET,
        JOTUNHEIM_REDIS_PREFIX=prefix,
        JOTUNHEIM_WORKER_NOTIFIER="bench.timing:notifier_from_env",
        JOTUNHEIM_WORKER_INVENTORY_INTERVAL="3600",
        **{URL_ENV: redis_url_db15(), KEY_ENV: key},
    )
    return env


@contextmanager
def workers(count: int, env: dict[str, str]) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker", "--log-level", "WARNING"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield procs
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_done(client: redis.Redis, key: str, count: int, timeout: float = 60) -> list[float]:
    """Worker-side timestamps of the next ``count`` completions, in arrival order."""
    stamps: list[float] = []
    deadline = time.monotonic() + timeout
    while len(stamps) < count:
        left = deadline - time.monotonic()
        if left <= 0:
            raise SystemExit(f"end-to-end: only {len(stamps)} of {count} completions arrived")
        popped = client.blpop([key], timeout=max(1, int(left)))
        if popped is not None:
            raw = popped[1]
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            stamps.append(float(text.split()[1]))
    return stamps


def measure(
    client: redis.Redis, key: str, start_one: Callable[[int], None], sequential: int, burst: int
) -> tuple[list[float], float]:
    latencies = []
    for i in range(sequential):
        began = time.time()
        start_one(i)
        [done] = wait_done(client, key, 1)
        latencies.append((done - began) * 1000)
    if not burst:
        return latencies, 0.0
    began = time.time()
    for i in range(sequential, sequential + burst):
        start_one(i)
    stamps = wait_done(client, key, burst)
    return latencies, burst / (max(stamps) - began)


def handler_for(client: redis.Redis, prefix: str, vmids: range) -> Dispatcher:
    settings = PolicySettings(
        _env_file=None,
        admins_console=frozenset({ADMIN.user}),
        redis_prefix=prefix,
        rate_limit_per_minute=10_000,
        rate_limit_per_account_per_minute=10_000,
    )
    queue = RqJobQueue(client, settings=JobSettings(prefix=prefix))
    busy = BusyLocks(client, prefix=prefix)
    entries = [
        InventoryEntry(vmid=v, node="pve1", name=f"bench-{v}", status="running", owner="bench")
        for v in vmids
    ]
    Inventory(client, prefix=prefix).replace_all(entries, now=time.time())
    return build_handler(client, UpidTimingNotifier(client, f"{prefix}:unused"), queue,
                         settings=settings, busy=busy)  # fmt: skip


def command_starter(handler: Dispatcher, prefix: str) -> Callable[[int], None]:
    def command(i: int) -> None:
        vmid = FIRST_VMID + i
        handler.handle(
            Invocation(
                identity=ADMIN, channel=f"c{i}", scope="server", text=f"reboot {vmid}",
                inbound_id=f"{prefix}-{i}",
            )
        )  # fmt: skip

    return command


def one_setup(client: redis.Redis, count: int, sequential: int, burst: int) -> tuple[Run, Run]:
    prefix = new_prefix("e2e")
    key = f"{prefix}:done"
    total = 2 * (sequential + burst) + 8
    vmids = range(FIRST_VMID, FIRST_VMID + total)
    sim = Simulator.demo()
    add_customer_vms(sim, vmids, account="bench")
    sim.time_scale = 0.05
    handler = handler_for(client, prefix, vmids)
    noop_queue = rq_queue(client, JobSettings(prefix=prefix), "high")
    try:
        with sim.serve() as url, workers(count, worker_env(url, prefix, key)) as procs:

            def noop(i: int) -> None:
                noop_queue.enqueue_call("bench.timing.noop", args=(key, f"n{i}"))

            measure(client, key, noop, 4, 0)  # the workers are up and warm
            floor, floor_rate = measure(client, key, noop, sequential, burst)
            offset = sequential + burst  # commands use VMs of their own, after a warm-up one
            handle = command_starter(handler, prefix)
            handle(offset)
            wait_done(client, key, 1)
            ours, rate = measure(client, key, lambda i: handle(offset + 1 + i), sequential, burst)
            rss = max(rss_kib(p.pid) for p in procs)

    finally:
        delete_prefixed(client, prefix)
    return Run(ours, rate, rss), Run(floor, floor_rate, rss)


def figures(client: redis.Redis, sequential: int, burst: int) -> tuple[list[Figure], int]:
    found: list[Figure] = []
    rss = 0
    for count in (1, 2):
        ours, floor = one_setup(client, count, sequential, burst)
        rss = max(rss, ours.worker_rss_kib)
        section = f"2. command → UPID in channel, {count} worker(s)"
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            found.append(
                Figure(section, f"/server reboot → UPID posted, {label}",
                       quantile(ours.latencies, q), "ms",
                       f"RQ no-op enqueue→run {label}", quantile(floor.latencies, q))
            )  # fmt: skip
        found.append(
            Figure(section, f"commands/second (burst of {burst})", ours.per_second, "/s",
                   "RQ no-op jobs/second", floor.per_second)
        )  # fmt: skip
    return found, rss
