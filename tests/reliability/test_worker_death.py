"""kill -9 of a real worker process (``jotunheim worker --simple``) in the middle of a
chained build: the chain resumes or fails with a report, never silence; the build's steps
do not repeat in a way that changes the result (one clone, one new VM).

Nothing helps the system recover: the dead worker's claim on its job (RQ's started-job
registry entry) and its scheduler's lock run out on Redis's own time, and the testbot's
worker, like any worker that starts, finds the abandoned job with RQ's own maintenance."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator
from tests.reliability.helpers import busy_locks, chain, fresh_prefix, job_id_of
from tests.reliability.redis_notifier import as_said, said, share_with
from tests.support.clock import FakeClock
from tests.support.redis_server import RedisServer
from tests.support.testbot import TestBot, running_testbot

REPO = Path(__file__).resolve().parents[2]
# The shortest job timeout a worker accepts. A dead worker's claim lasts RQ's heartbeat TTL,
# min(job timeout, 30 s) + 60 s: about 70 s here, waited out for real.
JOB_TIMEOUT = 10
RECOVERY = 150.0  # seconds: that TTL, the scheduler lock's 61 s inside it, then the build


class WallClock(FakeClock):
    """The testbot's clock in this test is the wall clock: the worker process it kills
    stamps the chain with the wall clock, and RQ's TTLs pass on real time, which no fake
    clock moves, so the testbot's worker that takes over must read the same time."""

    def now(self) -> float:
        return time.time()


@pytest.fixture
def bot(testbot_redis: redis.Redis) -> Iterator[TestBot]:
    sim = Simulator.demo()
    sim.time_scale = 0.05
    worker = {"job_timeout": JOB_TIMEOUT}
    with running_testbot(
        testbot_redis, fresh_prefix(), sim=sim, worker=worker, clock=WallClock()
    ) as bot:
        yield bot


def _worker(bot: TestBot, redis_url: str, key: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROXMOX_", "JOTUNHEIM_"))}
    url = bot.worker.proxmox.client.base_url.removesuffix("/api2/json")
    env.update(
        JOTUNHEIM_ENV_FILE="", REDIS_URL=redis_url, PROXMOX_URL=url,
        PROXMOX_TOKEN_ID=SIM_TOKEN_ID, PROXMOX_TOKEN_SECRET=SIM_TOKEN_SECRET,
        JOTUNHEIM_REDIS_PREFIX=bot.prefix, JOTUNHEIM_WORKER_TRACKING_INTERVALS="[1]",
        JOTUNHEIM_WORKER_RETRY_INTERVALS="[1]", JOTUNHEIM_WORKER_INVENTORY_INTERVAL="3600",
        JOTUNHEIM_WORKER_JOB_TIMEOUT=str(JOB_TIMEOUT),
        JOTUNHEIM_WORKER_NOTIFIER="tests.reliability.redis_notifier:from_env",
        RELIABILITY_NOTIFY_URL=redis_url, RELIABILITY_NOTIFY_KEY=key,
    )  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker", "--simple", "--log-level", "WARNING"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the worker and its scheduler child
    )  # fmt: skip


@pytest.mark.parametrize("kill_at", ["clone", "configure"])
def test_killed_worker_mid_build_resumes_or_reports(
    bot: TestBot, redis_server: RedisServer, kill_at: str
) -> None:
    bot.sim.faults.latency = 0.3  # every Proxmox call takes a while: the kill lands mid-job
    bot.sim.task_durations["qmclone"] = 40.0  # x0.05 → 2 s
    before = set(bot.sim.vms)
    key = f"{bot.prefix}:worker-said"
    reply = bot.send(
        "boss", "/admin server create acme template=debian-12 cpu=2 memory=2G disk=12G"
    )
    assert "queued" in reply.text, reply.text
    job_id = job_id_of(bot, reply)
    proc = _worker(bot, redis_server.url, key)
    try:
        deadline = time.monotonic() + 30
        while True:
            state = chain(bot, job_id)
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

    bot.sim.faults.latency = 0.0
    killed = said(bot.client, key)
    share_with(bot.chat, killed)  # the card the killed worker posted, as the chat keeps it
    mark = bot.mark()
    bot.settle(
        RECOVERY, until=lambda: (s := chain(bot, job_id)) is not None and s.status != "running"
    )
    state = chain(bot, job_id)
    assert state is not None
    assert state.status in ("succeeded", "failed")

    # One card, whichever worker posted it, edited by the one that took over until it shows
    # the outcome; one notice answering it.
    shown = killed + [as_said(s) for s in bot.chat.notified(since=mark)]
    texts = "\n---\n".join(s.reply.plain() for s in shown)
    cards = [s for s in shown if s.how == "post" and not s.reply.mention]
    notices = [s for s in shown if s.how == "post" and s.reply.mention]
    assert len(cards) == 1, texts
    assert len(notices) == 1, texts
    card = [s for s in shown if s.message == cards[0].message]
    assert state.card is not None
    assert state.card.id == cards[0].message
    assert notices[0].reply_to == cards[0].message
    vmid = state.context["vmid"]
    assert {s.reply.title for s in card} == {f"New server · acme-{vmid} ({vmid})"}, texts
    final = card[-1].reply.text.splitlines()[1]  # under "asked by …"
    if state.status == "succeeded":
        assert final.startswith("✓ Done in "), texts
        assert notices[0].reply.text == f"New server of acme-{vmid} ({vmid}) is done."
    else:
        assert final.startswith("✗ "), texts
        assert "stopped unexpectedly" in final or state.error, texts
        assert notices[0].reply.text == f"New server of acme-{vmid} ({vmid}) did not go through."
    clones = [c for c in bot.calls if c.method == "POST" and c.path.endswith("/clone")]
    assert [c.status for c in clones].count(200) == 1
    new_vms = set(bot.sim.vms) - before
    assert len(new_vms) <= 1
    if state.status == "succeeded":
        [vmid] = new_vms
        assert bot.sim.vms[vmid].status == "running"
    for vmid in new_vms:
        assert busy_locks(bot).holder(vmid) is None
