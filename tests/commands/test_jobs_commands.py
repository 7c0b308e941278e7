"""``/admin assign``, ``/server task`` and ``/admin queue`` through the whole stack: the
dispatcher on real Redis (db 15, the test's own prefix), an in-process RQ worker and the
simulator over HTTP — the demo's composition (``bot.run.demo.running``)."""

from __future__ import annotations

import io
import itertools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from bot.adapters.console import parse_identity
from bot.ports.invocation import Invocation, Scope
from bot.ports.reply import Reply
from bot.run.demo import Demo, Transcript, remove_demo_keys, running
from jobs.queue import fetch_job
from jobs.state.chains import chain_progress
from proxmox.simulator import Simulator

ALICE, BOSS, MALLORY = "console:alice", "console:boss", "console:mallory"
_JOB = re.compile(r"\(job ([A-Za-z0-9_.-]+)\)")
_UPID = re.compile(r"Task: (UPID:\S+)")


@dataclass
class Stack:
    demo: Demo
    sim: Simulator
    out: io.StringIO
    prefix: str
    ids: itertools.count[int]

    def say(self, who: str, text: str, scope: Scope = "server") -> Reply:
        invocation = Invocation(
            identity=parse_identity(who),
            display_name=parse_identity(who).user,
            channel="console",
            scope=scope,
            text=text,
            inbound_id=f"t-{next(self.ids)}",
        )
        return self.demo.handler.handle(invocation)

    def run(self, who: str, text: str, scope: Scope = "server") -> str:
        """Say it, wait for its job to end (bounded), return the job id."""
        reply = self.say(who, text, scope)
        found = _JOB.search(reply.text)
        assert found, reply.text
        self.demo.worker.wait_done(found.group(1), timeout=10)
        return found.group(1)

    def upids(self) -> list[str]:
        return _UPID.findall(self.out.getvalue())


@pytest.fixture
def sim() -> Simulator:
    simulator = Simulator.demo()
    simulator.time_scale = 0
    return simulator


@pytest.fixture
def stack(redis_client: redis.Redis, key_prefix: str, sim: Simulator) -> Iterator[Stack]:
    out = io.StringIO()
    with (
        sim.serve() as url,
        running(redis_client, url, key_prefix, Transcript(out), interactive=False) as demo,
    ):
        yield Stack(demo, sim, out, key_prefix, itertools.count(1))
    remove_demo_keys(redis_client, key_prefix)


def test_admin_assign_moves_a_server_to_another_account(stack: Stack) -> None:
    assert "103" not in stack.say(ALICE, "list").plain()

    job_id = stack.run(BOSS, "assign 103 acme", "admin")

    assert stack.demo.worker.status(job_id) == "succeeded"
    assert sorted(str(stack.sim.vms[103].config["tags"]).split(";")) == [
        "owner-acme",
        "production",
    ]
    cached = stack.demo.handler.stores.inventory.get(103)
    assert cached is not None
    assert cached.owner == "acme"
    assert "103 globex-app" in stack.say(ALICE, "list").plain()  # before any inventory sync
    assert "server 103 now belongs to acme (was globex)" in stack.out.getvalue()


def test_customers_cannot_assign(stack: Stack) -> None:
    reply = stack.say(ALICE, "assign 101 globex", "admin")

    assert reply.text == "/admin assign is for admins only"
    assert "(job" not in reply.text
    assert stack.sim.vms[101].config["tags"] == "owner-acme"


def test_task_by_job_id_shows_the_chain_to_its_account_only(stack: Stack) -> None:
    mine = stack.run(ALICE, "reboot 101")
    theirs = stack.run(BOSS, "reboot 103")

    reply = stack.say(ALICE, f"task {mine}")
    assert reply.text.startswith(f"job {mine}: power 101 — succeeded in ")
    assert reply.code is not None
    assert reply.code.startswith("1/1 execute: done — rebooting server 101 — task UPID:pve1:")

    hidden = stack.say(ALICE, f"task {theirs}").text
    missing = stack.say(ALICE, f"task {stack.prefix}-{'0' * 32}").text
    assert hidden == f"job {theirs} not found"
    assert missing == f"job {stack.prefix}-{'0' * 32} not found"
    assert stack.say(BOSS, f"task {theirs}").text.startswith(f"job {theirs}: power 103 — succeeded")
    assert "not linked" in stack.say(MALLORY, f"task {mine}").text


def test_a_job_waiting_for_a_worker_is_shown_as_queued(stack: Stack) -> None:
    stack.demo.worker.stop()
    reply = stack.say(ALICE, "reboot 101")
    found = _JOB.search(reply.text)
    assert found

    assert stack.say(ALICE, f"task {found.group(1)}").text == (
        f"job {found.group(1)}: power 101 — queued"
    )


def test_task_by_upid_is_a_job_that_posts_status_and_log(stack: Stack) -> None:
    stack.run(ALICE, "reboot 101")
    stack.run(BOSS, "reboot 103")
    mine, theirs = stack.upids()

    looked_up = stack.run(ALICE, f"task {mine}")

    assert stack.demo.worker.status(looked_up) == "finished"
    assert f"task qmreboot on pve1: OK\n  Task: {mine}" in stack.out.getvalue()
    refused = stack.say(ALICE, f"task {theirs}")
    assert refused.text == f"task {theirs} not found"  # on the ack path: no job, no Proxmox
    admin = stack.run(BOSS, f"task {theirs}")
    assert stack.demo.worker.status(admin) == "finished"
    assert f"task qmreboot on pve3: OK\n  Task: {theirs}" in stack.out.getvalue()


def test_admin_queue_lists_a_failed_job_and_retries_it(stack: Stack) -> None:
    failed = stack.run(ALICE, "reboot 102")  # 102 is stopped: the job fails
    assert stack.demo.worker.status(failed) == "failed"

    listing = stack.say(BOSS, "queue", "admin")
    assert listing.text.endswith("0 chain(s) in progress, 1 failed")
    assert listing.code is not None
    assert f"{stack.prefix}-default  queued 0  started 0  scheduled 0  deferred 0  failed 1" in (
        listing.code
    )
    assert f"  {failed}  server.power 102  " in listing.code

    retried = stack.say(BOSS, f"queue retry={failed}", "admin")
    assert retried.text == f"job {failed} is queued again on {stack.prefix}-default"
    _wait_for_status(stack, failed, "failed")
    assert stack.say(BOSS, f"queue retry={stack.prefix}-{'0' * 32}", "admin").text == (
        f"no job {stack.prefix}-{'0' * 32}"
    )
    assert stack.say(ALICE, "queue", "admin").text == "/admin queue is for admins only"


def test_a_chain_waiting_on_its_task_is_in_progress(stack: Stack, sim: Simulator) -> None:
    sim.time_scale = 1
    sim.task_durations["qmreboot"] = 60
    reply = stack.say(ALICE, "reboot 101")
    found = _JOB.search(reply.text)
    assert found
    job_id = found.group(1)
    _wait_until(lambda: _step_state(stack, job_id) == "task")

    listing = stack.say(BOSS, "queue", "admin")
    assert listing.code is not None
    assert f"  {job_id}  power 101: execute …" in listing.code
    assert ", 1 chain(s) in progress, 0 failed" in listing.text
    shown = stack.say(ALICE, f"task {job_id}")
    assert shown.text.startswith(f"job {job_id}: power 101 — running for ")
    assert shown.code is not None
    assert "1/1 execute: task — rebooting server 101 — task UPID:pve1:" in shown.code


def _step_state(stack: Stack, job_id: str) -> str | None:
    chain = chain_progress(stack.demo.context.redis, job_id, prefix=stack.prefix)
    return chain.steps[0].state if chain else None


def _wait_for_status(stack: Stack, job_id: str, wanted: str) -> None:
    def ended() -> bool:
        job = fetch_job(stack.demo.context.redis, job_id)
        return job is not None and str(job.get_status(refresh=True).value) == wanted

    _wait_until(ended)


def _wait_until(condition: object, timeout: float = 10.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
