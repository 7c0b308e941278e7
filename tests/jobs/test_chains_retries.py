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
from tests.jobs.cards import neutral, one_card
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
    assert state.render() == (
        "copying the template ✓ → setting it up ✓ → growing the disk ✓ → starting it ✓"
    )
    card = one_card(notifier)
    assert card.title == "Test build · server 101"
    head = "asked by you\n"
    # Each step with a task is on the card while it runs, with its own task id; the clone
    # with the progress read from its task log.
    running = [(neutral(s.reply.text), card.field("Task", s)) for s in card.states[:-1]]
    upids = [s.upid for s in state.steps]
    assert running[0] == (head + "⏳ Copying the template (1 of 4)", upids[0])
    assert any(
        text.startswith(head + "⏳ Copying the template (1 of 4) · ") and text.endswith("%")
        for text, _ in running
    ), running
    assert (head + "⏳ Growing the disk (3 of 4)\n• cloning\n• configured", upids[2]) in running
    assert (
        head + "⏳ Starting it (4 of 4)\n• cloning\n• configured\n• growing disk",
        upids[3],
    ) in running
    # Then the outcome, with what each step did.
    assert card.texts[-1] == (
        head + "✓ Done in N s\n• cloning\n• configured\n• growing disk\n• starting"
    )
    assert (card.field("Task"), card.field("Proxmox")) == (upids[3], "OK")
    assert card.final.reply.tone == "success"
    assert card.notice.reply.text == "Test build of server 101 is done."


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
    card = one_card(notifier)
    # The step it stopped at, the error, the server's state, and what was done before.
    assert card.title == "Test build · server 101"
    assert card.texts[-1] == (
        "asked by you\n"
        "✗ Stopped while growing the disk: disk resize failed (after N s). "
        "The server is running.\n"
        "• cloning\n• configured"
    )
    assert card.field("Task") == state.steps[2].upid
    assert card.final.reply.tone == "error"
    assert card.notice.reply.text == "Test build of server 101 did not go through."
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
    card = one_card(notifier)
    assert card.title == "Configure · server 101"
    head = "asked by you\n"
    waiting = head + "⏳ Changing the settings — VM is locked (backup); trying again shortly"
    # Each retry is on the card while it waits, then the outcome.
    assert card.texts == [waiting, waiting, head + "✓ Done in N s\n• configured 101"]
    assert card.notice.reply.text == "Configure of server 101 is done."


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
    card = one_card(notifier)
    assert card.title == "Configure · server 101"
    head = "asked by you\n"
    waiting = head + "⏳ Changing the settings — VM is locked (backup); trying again shortly"
    assert card.texts == [waiting] * settings.retry_cap + [
        head + "✗ Failed while changing the settings: VM is locked (backup) "
        "— gave up after 4 tries over N s. The server is running."
    ]
    assert card.notice.reply.text == "Configure of server 101 did not go through."
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
    card = one_card(notifier)
    # Not retried: the card shows the failure straight away, and only that.
    assert card.title == "Memory change · server 101"
    assert card.texts == [
        "asked by you\n"
        "✗ Failed while changing the memory: Parameter verification failed. "
        "The server is running."
    ]
    assert card.notice.reply.text == "Memory change of server 101 did not go through."


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
    card = one_card(notifier)
    assert card.title == "Disk resize · server 101"
    assert card.texts == [
        "asked by you\n"
        "✗ Failed while growing the disk: server 101 is busy: resize started by @bob N s ago. "
        "The server is running."
    ]
    assert card.notice.reply.text == "Disk resize of server 101 did not go through."
    assert locks.holder(101) == other  # somebody else's lock is never released


def test_notifier_outage_never_fails_the_work_and_the_message_arrives_later(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    # The card's first post (the task started) and its final state both fail: the first is
    # caught up by the next state, the final one is delivered later by a retry.
    notifier.fail_next(2)
    submitted = queue.submit(request("test.task", "outage-1"))

    run_until(
        ctx.redis,
        settings,
        lambda: _finished(ctx.redis, settings, submitted.job_id) and len(notifier.notified()) >= 2,
    )

    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    assert state.status == "succeeded"
    assert recorder.all() == ["execute"]
    # The card's id was not known when the notice went out: the notice is not threaded.
    card = one_card(notifier, threaded=False)
    assert card.title == "Disk resize · server 101"
    assert card.texts == ["asked by you\n✓ Done in N s\n• growing disk of 101"]
    assert (card.field("Task"), card.field("Proxmox")) == (state.steps[0].upid, "OK")
    assert card.notice.reply.text == "Disk resize of server 101 is done."


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


def test_the_notice_waits_for_a_refused_final_edit(
    ctx: WorkerContext,
    queue: RqJobQueue,
    notifier: ChatRecorder,
    settings: JobSettings,
) -> None:
    # The platform refuses the edit that shows the outcome once: the retry shows it, and
    # only then does the notice say it is done (never "is done" on a card still saying ⏳).
    notifier.refuse_edit_showing("✓ Done in")
    submitted = queue.submit(request("test.task", "notice-after-1"))

    run_until(
        ctx.redis,
        settings,
        lambda: _finished(ctx.redis, settings, submitted.job_id) and len(notifier.notified()) >= 3,
    )

    shown = notifier.notified("post", "edit")
    card, final, notice = shown[0], shown[-2], shown[-1]
    assert (final.how, final.message) == ("edit", card.message)
    assert "✓ Done in" in final.reply.text
    assert (notice.how, notice.reply.mention) == ("post", True)
    assert notice.target is not None
    assert notice.target.reply_to == card.message
