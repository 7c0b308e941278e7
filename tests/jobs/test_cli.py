"""``jotunheim worker`` and ``jotunheim queue`` end to end, and a Redis outage at submit."""

from __future__ import annotations

import io

import pytest
import redis

from bot.run import queue_cli, worker
from jobs.config import JobSettings
from jobs.context import WorkerContext
from jobs.queue import QueueUnavailable, RqJobQueue
from jobs.state.inventory import Inventory
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator
from tests.conftest import redis_url
from tests.jobs.conftest import FAKE_KINDS, request, run_until
from tests.jobs.fakes import Recorder


def test_submit_with_redis_down_raises_queue_unavailable_and_writes_nothing() -> None:
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    queue = RqJobQueue(down, prefix="nowhere", kinds=FAKE_KINDS)

    with pytest.raises(QueueUnavailable, match="nothing was queued"):
        queue.submit(request("test.task", "down-1"))


def test_queue_cli_lists_failed_jobs_and_retries_one(
    ctx: WorkerContext,
    queue: RqJobQueue,
    recorder: Recorder,
    settings: JobSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url())
    monkeypatch.setenv("JOTUNHEIM_REDIS_PREFIX", settings.prefix)
    submitted = queue.submit(request("test.refused", "cli-1"))
    run_until(ctx.redis, settings, lambda: recorder.all() == ["refused"])

    out = io.StringIO()
    assert queue_cli.main([], out) == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.getvalue().splitlines()}
    # One row per queue, named by its priority (the deployment's prefix is the same for all).
    assert list(rows) == ["high", "default", "low"]
    assert rows["default"] == (
        ["queued", "0", "started", "0", "scheduled", "0", "deferred", "0", "failed", "1"]
    )
    out = io.StringIO()
    assert queue_cli.main(["failed"], out) == 0
    # The job, what it ran, and the error's message (not the exception's module path).
    assert out.getvalue() == (
        f"{submitted.job_id}  test.refused 101  Parameter verification failed.\n"
    )
    out = io.StringIO()
    assert queue_cli.main(["retry", submitted.job_id], out) == 0
    assert "queued again" in out.getvalue()
    assert queue_cli.main(["retry", "no-such-job"], io.StringIO()) == 1


def test_worker_main_runs_the_inventory_sync_against_the_simulator(
    redis_client: redis.Redis, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = Simulator.demo()
    with sim.serve() as url:
        monkeypatch.setenv("PROXMOX_URL", url)
        monkeypatch.setenv("PROXMOX_TOKEN_ID", SIM_TOKEN_ID)
        monkeypatch.setenv("PROXMOX_TOKEN_SECRET", SIM_TOKEN_SECRET)
        monkeypatch.setenv("REDIS_URL", redis_url())
        monkeypatch.setenv("JOTUNHEIM_REDIS_PREFIX", key_prefix)

        assert worker.main(["--burst", "--simple", "--log-level", "WARNING"]) == 0

    inventory = Inventory(redis_client, prefix=key_prefix)
    assert {e.vmid for e in inventory.owned_by("acme")} == {101, 102}
    assert inventory.synced_at() is not None
    keys = list(redis_client.scan_iter(match=f"rq:*{key_prefix}*"))
    if keys:
        redis_client.delete(*keys)
