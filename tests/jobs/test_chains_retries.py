"""Chains, retries, refusals, busy locks and notifier outages, through real RQ workers."""

from __future__ import annotations

import time

import pytest
import redis

from jobs.chain.tracking import parse_percent
from jobs.config import JobSettings
from jobs.context import WorkerContext
from jobs.queue import RqJobQueue, rq_queue
from jobs.state.chains import chain_progress
from jobs.state.locks import BusyInfo, BusyLocks
from tests.jobs import fakes
from tests.jobs.conftest import request, run_until
from tests.jobs.fakes import Recorder
from tests.support.chat import ChatRecorder


def _finished(client: redis.Redis, settings: JobSettings, job_id: str) -> bool:
    state = chain_progress(client, job_id, prefix=settings.prefix)
    return state is not None and state.status != "running"


def test_chain_runs_its_steps_in_order_and_reports_each(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    submitted = queue.submit(request("test.build", "build-1"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    assert recorder.all() == ["clone", "configure on pve1", "resize configured=True", "start"]
    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    assert state.status == "succeeded"
    assert [s.state for s in state.steps] == ["done"] * 4
    assert state.render() == "clone ✓ → configure ✓ → resize ✓ → start ✓"
    texts = notifier.current_texts()
    assert texts[0].startswith("✓ test build 101: cloning — OK in")
    assert texts[1] == "test build 101: configure ✓ configured"
    assert texts[2].startswith("✓ test build 101: growing disk — OK in")
    assert texts[3].startswith("✓ test build 101: starting — OK in")
    assert texts[4].startswith("✓ test build 101 done in")
    # The clone's message showed progress read from the task log before the outcome.
    clone_message = notifier.notified()[0].message
    edits = [s.reply.text for s in notifier.notified("edit") if s.message == clone_message]
    assert any(t.endswith("%") for t in edits[:-1])


def test_failed_step_stops_the_chain_and_says_where(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    submitted = queue.submit(request("test.build_fails", "build-2"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    assert recorder.all() == ["clone", "configure on pve1", "resize"]
    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    assert state.status == "failed"
    assert [s.state for s in state.steps] == ["done", "done", "failed", "pending"]
    assert notifier.notified_texts()[-1].startswith(
        "✗ test build fails 101 stopped at step 3/4 (resize): disk resize failed"
    )
    assert notifier.notified_texts()[-1].endswith("\nServer 101 is running.")
    assert BusyLocks(ctx.redis, prefix=settings.prefix).holder(101) is None


def test_locked_vm_is_retried_with_backoff_then_succeeds(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    submitted = queue.submit(request("test.locked", "locked-1"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    assert recorder.all() == ["attempt 1", "attempt 2", "attempt 3"]
    assert notifier.notified_texts() == [
        "test locked 101: Proxmox says “VM is locked (backup)”; trying again shortly.",
        "✓ test locked 101: configured 101",
    ]


def test_retries_stop_at_the_cap_and_are_reported(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fakes.LockedAction, "locked_times", 99)
    submitted = queue.submit(request("test.locked", "locked-2"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    assert len(recorder.all()) == settings.retry_cap + 1
    assert notifier.notified_texts()[-1] == (
        "✗ test locked 101 failed: VM is locked (backup) (gave up after 4 attempts)\n"
        "Server 101 is running."
    )
    failed = rq_queue(ctx.redis, settings, "default").failed_job_registry.get_job_ids()
    assert failed == [submitted.job_id]


def test_parameter_error_fails_at_once(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    submitted = queue.submit(request("test.refused", "refused-1"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    assert recorder.all() == ["refused"]
    assert notifier.notified_texts() == [
        "✗ test refused 101 failed: Parameter verification failed.\nServer 101 is running."
    ]


def test_busy_server_gets_the_holder_instead_of_a_proxmox_error(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    locks = BusyLocks(ctx.redis, prefix=settings.prefix)
    other = BusyInfo(job_id="other-job", kind="server.resize", requester="@bob", since=time.time())
    assert locks.acquire(101, other, ttl=60) is None
    submitted = queue.submit(request("test.task", "busy-1"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    assert recorder.all() == []
    assert notifier.notified_texts() == [
        "✗ test task 101 failed: server 101 is busy: resize started by @bob 0 s ago "
        "(job other-job)\nServer 101 is running."
    ]
    assert locks.holder(101) == other  # somebody else's lock is never released


def test_notifier_outage_never_fails_the_work_and_the_message_arrives_later(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    notifier.fail_next(2)  # the UPID post and its first redelivery
    submitted = queue.submit(request("test.task", "outage-1"))

    run_until(
        ctx.redis,
        settings,
        lambda: _finished(ctx.redis, settings, submitted.job_id) and len(notifier.notified()) >= 2,
    )

    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    assert state.status == "succeeded"
    texts = sorted(notifier.notified_texts("post"))
    assert texts[0].startswith("test task 101: growing disk of 101 (task started)")
    assert texts[1].startswith("✓ test task 101: growing disk of 101 — OK in")


def test_private_result_goes_only_to_the_requester(
    ctx: WorkerContext, queue: RqJobQueue, notifier: ChatRecorder, settings: JobSettings
) -> None:
    submitted = queue.submit(request("test.secret", "secret-1"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    private = notifier.notified("private")
    assert [p.reply.code for p in private] == ["s3cret-Pa55"]
    assert all("s3cret" not in s.reply.plain() for s in notifier.notified("post", "edit"))
    assert not any(b"s3cret" in (ctx.redis.dump(k) or b"") for k in ctx.redis.keys("rq:job:*"))


def test_percent_is_read_from_the_last_line_that_has_one() -> None:
    lines = ["transferred 1.0 GiB of 4.0 GiB (25.00%)", "INFO:  60% (2.4 GiB of 4 GiB) in 9s", "x"]
    assert parse_percent(lines) == 60.0
    assert parse_percent(["progress 7% (read 1 GiB)"]) == 7.0
    assert parse_percent(["no numbers"]) is None
