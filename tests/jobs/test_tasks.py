"""Single-step jobs through real RQ workers and real Redis: the card names the task first,
then shows the outcome."""

from __future__ import annotations

from dataclasses import replace

import redis
from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from rq.worker import Worker

from jobs.config import JobSettings
from jobs.context import WorkerContext, installed_context
from jobs.queue import RqJobQueue, rq_queue
from jobs.state.chains import chain_progress
from jobs.state.locks import BusyLocks
from tests.jobs.cards import neutral, one_card
from tests.jobs.conftest import request, run_until
from tests.jobs.fakes import Recorder
from tests.support.chat import ChatRecorder


def _finished(client: redis.Redis, settings: JobSettings, job_id: str) -> bool:
    state = chain_progress(client, job_id, prefix=settings.prefix)
    return state is not None and state.status != "running"


def test_task_posts_the_upid_then_edits_in_the_outcome(
    ctx: WorkerContext, queue: RqJobQueue, notifier: ChatRecorder, settings: JobSettings
) -> None:
    submitted = queue.submit(request("test.task", "in-1"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    upid = state.steps[0].upid
    assert upid is not None
    assert upid.startswith("UPID:pve1:")
    # The card is posted with the task, edited once with the outcome; then the notice.
    card = one_card(notifier)
    assert card.title == "Disk resize · server 101"
    assert [s.how for s in card.states] == ["post", "edit"]
    assert card.texts == [
        "asked by you\n⏳ Growing the disk",
        "asked by you\n✓ Done in N s\n• growing disk of 101",
    ]
    assert [card.field("Task", s) for s in card.states] == [upid, upid]
    assert card.field("Proxmox") == "OK"
    assert card.notice.reply.text == "Disk resize of server 101 is done."
    assert [s.how for s in notifier.notified()] == ["post", "edit", "post"]
    assert BusyLocks(ctx.redis, prefix=settings.prefix).holder(101) is None


def test_failed_task_posts_proxmox_error_text(
    ctx: WorkerContext, queue: RqJobQueue, notifier: ChatRecorder, settings: JobSettings
) -> None:
    submitted = queue.submit(request("test.failing", "in-2"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    card = one_card(notifier)
    assert card.title == "Disk resize · server 101"
    assert card.texts[-1] == (
        "asked by you\n✗ Failed while growing the disk: can't extend volume: no space left on "
        "device (after N s). The server is running."
    )
    assert card.final.reply.tone == "error"
    assert card.field("Proxmox") is None  # the failure line carries Proxmox's error text
    assert card.notice.reply.text == "Disk resize of server 101 did not go through."
    failed = rq_queue(ctx.redis, settings, "high").failed_job_registry.get_job_ids()
    assert failed == [f"{submitted.job_id}-t0"]
    assert BusyLocks(ctx.redis, prefix=settings.prefix).holder(101) is None


def test_warnings_count_as_success(
    ctx: WorkerContext, queue: RqJobQueue, notifier: ChatRecorder, settings: JobSettings
) -> None:
    submitted = queue.submit(request("test.warning", "in-3"))

    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, submitted.job_id))

    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    assert state.status == "succeeded"
    card = one_card(notifier)
    assert card.texts[-1] == "asked by you\n✓ Done in N s\n• growing disk of 101"
    assert card.field("Proxmox") == "WARNINGS: 2"
    assert card.final.reply.tone == "warning"
    assert card.notice.reply.text == "Disk resize of server 101 is done."


def test_same_inbound_id_twice_runs_once(
    ctx: WorkerContext,
    queue: RqJobQueue,
    recorder: Recorder,
    settings: JobSettings,
) -> None:
    first = queue.submit(request("test.task", "delivery-7"))
    second = queue.submit(request("test.task", "delivery-7"))

    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.job_id == second.job_id
    assert rq_queue(ctx.redis, settings, "default").count == 1
    run_until(ctx.redis, settings, lambda: _finished(ctx.redis, settings, first.job_id))
    assert queue.submit(request("test.task", "delivery-7")).duplicate is True
    assert recorder.all() == ["execute"]


def test_no_worker_is_occupied_while_the_task_runs(
    ctx: WorkerContext, queue: RqJobQueue, settings: JobSettings, pve: object
) -> None:
    """A 1.5 s task: between checks the tracking job sits in the scheduled registry and no
    worker is busy; every observation happens while Proxmox still reports it running."""
    submitted = queue.submit(request("test.task", "in-4"))
    seen: list[tuple[int, int, int]] = []
    high = rq_queue(ctx.redis, settings, "high")

    def observe() -> None:
        state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
        if state is None or state.steps[0].state != "task":
            return
        started = sum(
            StartedJobRegistry(q, connection=ctx.redis).count for q in settings.queue_names()
        )
        # Only this test's workers: other processes on the same Redis have their own.
        ours = [
            w for w in Worker.all(connection=ctx.redis) if settings.prefix in w.queue_names()[0]
        ]
        busy = [w for w in ours if w.get_current_job_id()]
        scheduled = ScheduledJobRegistry(queue=high).count  # type: ignore[no-untyped-call]
        seen.append((started, len(busy), scheduled))

    run_until(
        ctx.redis,
        settings,
        lambda: _finished(ctx.redis, settings, submitted.job_id),
        during=observe,
    )
    assert seen, "the task ended before it could be observed running"
    assert all(started == 0 and busy == 0 and sched == 1 for started, busy, sched in seen)


def test_tracking_gives_up_at_its_deadline_and_says_so(
    ctx: WorkerContext, queue: RqJobQueue, notifier: ChatRecorder, settings: JobSettings
) -> None:
    """A 30 s task outlives a 1 s tracking deadline: not a failure. The requester is told
    the task is still running on Proxmox and how to follow it, in no error's tone, and the
    server is not left busy."""
    impatient = settings.model_copy(update={"tracking_deadline": 1})
    with installed_context(replace(ctx, settings=impatient)):
        submitted = queue.submit(request("test.long", "in-deadline"))
        run_until(ctx.redis, impatient, lambda: _finished(ctx.redis, settings, submitted.job_id))

    state = chain_progress(ctx.redis, submitted.job_id, prefix=settings.prefix)
    assert state is not None
    assert state.status == "unfollowed"
    upid = state.steps[0].upid
    assert upid is not None
    card = one_card(notifier)
    told = (
        "Still running on Proxmox after N s; this card stops following it here. "
        f"See where it stands with /server task {upid}."  # no #ref: this request has none
    )
    assert card.texts[-1] == f"asked by you\n⏳ Growing the disk\n{told}"
    assert card.final.reply.tone == "info"
    assert card.field("Task") == upid  # where to look for it in Proxmox
    assert (neutral(card.notice.reply.text), card.notice.reply.tone) == (told, "warning")
    assert card.notice.reply.mention
    assert BusyLocks(ctx.redis, prefix=settings.prefix).holder(101) is None
