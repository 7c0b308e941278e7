"""The real Actions through real RQ workers, against the simulator over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
import redis
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from bot.ports.audit import AuditLog
from jobs.chain.run import start
from jobs.config import JobSettings
from jobs.context import WorkerContext, installed_context
from jobs.node import sync_inventory
from jobs.queue import JobRequest, RqJobQueue
from jobs.state.chains import chain_progress
from jobs.state.inventory import Inventory, InventoryEntry
from jobs.state.locks import BusyLocks
from jobs.state.reservations import RedisVmidReservations
from proxmox.simulator import Simulator
from tests.jobs.cards import neutral, one_card
from tests.jobs.conftest import TARGET, run_until, simulator_context
from tests.support.chat import ChatRecorder


@pytest.fixture
def sim() -> Simulator:
    simulator = Simulator.demo()
    simulator.time_scale = 0.5
    simulator.task_durations["qmclone"] = 3.0
    return simulator


@pytest.fixture
def sim_ctx(
    redis_client: redis.Redis, settings: JobSettings, sim: Simulator, notifier: ChatRecorder
) -> Iterator[WorkerContext]:
    with simulator_context(redis_client, settings, sim, notifier) as context:
        yield context


def _submit(ctx: WorkerContext, kind: str, inbound: str, **args: object) -> str:
    vmid = args.get("vmid")
    request = JobRequest(
        kind=kind,
        vmid=vmid if isinstance(vmid, int) else None,
        args=args,
        target=TARGET,
        requested_by="console:w:ann",
        inbound_id=inbound,
        account="acme" if kind != "server.build" else None,
    )
    return RqJobQueue(ctx.redis, settings=ctx.settings).submit(request).job_id


def _run(ctx: WorkerContext, job_id: str) -> str:
    def done() -> bool:
        state = chain_progress(ctx.redis, job_id, prefix=ctx.prefix)
        return state is not None and state.status != "running"

    run_until(ctx.redis, ctx.settings, done, timeout=25)
    state = chain_progress(ctx.redis, job_id, prefix=ctx.prefix)
    assert state is not None
    return state.status


def test_resize_posts_the_upid_then_the_outcome(
    sim_ctx: WorkerContext, sim: Simulator, notifier: ChatRecorder
) -> None:
    job_id = _submit(sim_ctx, "server.resize", "sim-resize", vmid=101, disk="+1G")

    assert _run(sim_ctx, job_id) == "succeeded"

    state = chain_progress(sim_ctx.redis, job_id, prefix=sim_ctx.prefix)
    assert state is not None
    upid = state.steps[2].upid  # grow_disk's task
    assert upid is not None
    assert upid.startswith("UPID:pve1:")
    # One card: it names the task while the disk grows, then shows the outcome.
    card = one_card(notifier)
    assert card.title == "Resize · server 101"
    shown = [(neutral(s.reply.text), card.field("Task", s)) for s in card.states]
    # Nothing was asked of CPU and memory: the card leaves that step out.
    growing = shown.index(("asked by you for acme\n⏳ Growing the disk (3 of 4)", upid))
    assert growing < len(shown) - 1
    assert shown[-1] == (
        "asked by you for acme\n✓ Done in N s\n• disk grown to 33 GiB",
        upid,
    )
    assert card.final.reply.tone == "success"
    assert card.notice.reply.text == "Resize of server 101 is done."
    assert any(c.path.endswith("/qemu/101/resize") for c in sim.calls)


def test_customer_cannot_touch_another_accounts_server(
    sim_ctx: WorkerContext, sim: Simulator, notifier: ChatRecorder
) -> None:
    job_id = _submit(sim_ctx, "server.power", "sim-power", vmid=103, action="stop")

    assert _run(sim_ctx, job_id) == "failed"

    # Named by its number only, no state of the server: as if it did not exist.
    card = one_card(notifier)
    assert card.title == "Stop · server 103"
    assert card.texts == [
        "asked by you for acme\n✗ Failed while stopping: server 103 does not exist"
    ]
    assert card.notice.reply.text == "Stop of server 103 did not go through."
    assert not any(c.path.endswith("/status/stop") for c in sim.calls)


def test_build_chain_runs_clone_configure_resize_start_in_order(
    sim_ctx: WorkerContext, sim: Simulator, notifier: ChatRecorder
) -> None:
    job_id = _submit(
        sim_ctx, "server.build", "sim-build", account="acme", cores=2, memory="2G", disk="12G"
    )

    assert _run(sim_ctx, job_id) == "succeeded"

    state = chain_progress(sim_ctx.redis, job_id, prefix=sim_ctx.prefix)
    assert state is not None
    assert [s.name for s in state.steps] == ["allocate", "clone", "configure", "grow_disk", "start"]
    assert all(s.state == "done" for s in state.steps)
    writes = [c for c in sim.calls if c.method in {"POST", "PUT"}]
    order = [
        next(i for i, c in enumerate(writes) if c.path.endswith(suffix))
        for suffix in ("/clone", "/config", "/resize", "/status/start")
    ]
    assert order == sorted(order)
    vmid = int(state.context["vmid"])
    assert sim.vms[vmid].status == "running"


def test_inventory_sync_reads_owner_tags(sim_ctx: WorkerContext) -> None:
    assert sync_inventory()["synced"] is True

    inventory = Inventory(sim_ctx.redis, prefix=sim_ctx.prefix)
    assert [e.vmid for e in inventory.owned_by("acme")] == [101, 102]
    entry = inventory.get(103)
    assert entry is not None
    assert (entry.node, entry.owner) == ("pve3", "globex")


def _finished(ctx: WorkerContext, job_id: str) -> str:
    """Wait for a job that keeps no chain (a dry run); its RQ status."""

    def done() -> bool:
        status = Job.fetch(job_id, connection=ctx.redis, serializer=JSONSerializer).get_status()
        return status in {JobStatus.FINISHED, JobStatus.FAILED}

    run_until(ctx.redis, ctx.settings, done, timeout=25)
    job = Job.fetch(job_id, connection=ctx.redis, serializer=JSONSerializer)
    return str(job.get_status().value)


def test_dry_run_posts_the_plan_and_writes_nothing(
    sim_ctx: WorkerContext, sim: Simulator, notifier: ChatRecorder
) -> None:
    job_id = _submit(
        sim_ctx, "server.resize", "sim-dry", vmid=101, memory=8192, disk="+8G", dry_run=True
    )

    assert _finished(sim_ctx, job_id) == "finished"

    assert [c.method for c in sim.calls if c.method != "GET"] == []
    (sent,) = notifier.notified()
    assert sent.how == "private"
    assert sent.only == TARGET.requester
    assert sent.reply.text == "Dry run of resize 101: nothing was changed"
    assert sent.reply.code is not None
    assert "memory 4 → 8 GiB (after reboot)" in sent.reply.code
    assert "disk 32 → 40 GiB (live)" in sent.reply.code
    assert BusyLocks(sim_ctx.redis, prefix=sim_ctx.prefix).holder(101) is None


def test_dry_run_of_another_accounts_server_reveals_nothing(
    sim_ctx: WorkerContext, sim: Simulator, notifier: ChatRecorder
) -> None:
    job_id = _submit(sim_ctx, "server.resize", "sim-dry-103", vmid=103, cores=4, dry_run=True)

    assert _finished(sim_ctx, job_id) == "failed"

    assert notifier.notified_texts() == ["✗ Dry run of resize 103: server 103 does not exist"]
    assert [s.how for s in notifier.notified()] == ["private"]
    assert [c.method for c in sim.calls if c.method != "GET"] == []


def test_backup_notes_name_the_requester_and_their_note(
    sim_ctx: WorkerContext, sim: Simulator
) -> None:
    job_id = _submit(sim_ctx, "backup.create", "sim-backup", vmid=101, note="before upgrade")

    assert _run(sim_ctx, job_id) == "succeeded"

    newest = sim.backups(101)[-1]
    # The person as chat names them, never their identity key (the list shows the notes).
    assert newest.notes == "before upgrade (requested by @ann via Jotunheim)"


def test_node_status_posts_every_node_or_the_one_asked_for(
    sim_ctx: WorkerContext, notifier: ChatRecorder
) -> None:
    every = _submit(sim_ctx, "node.status", "sim-nodes")
    one = _submit(sim_ctx, "node.status", "sim-node-2", node="pve2")
    missing = _submit(sim_ctx, "node.status", "sim-node-9", node="pve9")

    for job_id in (every, one, missing):
        assert _finished(sim_ctx, job_id) == "finished"

    by_text = {s.reply.text: s.reply for s in notifier.notified()}
    assert [f.label for f in by_text["3 node(s)"].fields] == ["pve1", "pve2", "pve3"]
    (pve2,) = by_text["1 node(s)"].fields
    assert pve2.label == "pve2"
    assert pve2.value.startswith("online, cpu ")
    assert "✗ no node named 'pve9'" in by_text


def test_delete_drops_the_server_from_the_inventory_cache(
    sim_ctx: WorkerContext, sim: Simulator
) -> None:
    sync_inventory()
    inventory = Inventory(sim_ctx.redis, prefix=sim_ctx.prefix)
    assert inventory.get(102) is not None

    assert _run(sim_ctx, _submit(sim_ctx, "server.delete", "sim-delete", vmid=102)) == "succeeded"

    assert 102 not in sim.vms
    assert inventory.get(102) is None
    assert [e.vmid for e in inventory.owned_by("acme")] == [101]


def test_a_failed_build_frees_its_vmid_at_once(
    sim_ctx: WorkerContext, sim: Simulator, notifier: ChatRecorder
) -> None:
    sim.faults.fail_next_task("qmclone", "storage 'local-lvm' is full")
    job_id = _submit(sim_ctx, "server.build", "sim-build-fails", account="acme", cores=1,
                     memory="1G", disk="10G")  # fmt: skip

    assert _run(sim_ctx, job_id) == "failed"

    state = chain_progress(sim_ctx.redis, job_id, prefix=sim_ctx.prefix)
    assert state is not None
    vmid = int(state.context["vmid"])
    assert RedisVmidReservations(sim_ctx.redis, prefix=sim_ctx.prefix).holder(vmid) is None
    # Nothing was built before the clone failed: "Failed", not "Stopped".
    card = one_card(notifier)
    assert card.title == f"New server · acme-{vmid} ({vmid})"
    assert card.texts[-1] == (
        "asked by you\n✗ Failed while copying the template: storage 'local-lvm' is full "
        "(after N s). The server is gone (it does not exist)."
    )
    assert card.notice.reply.text == f"New server of acme-{vmid} ({vmid}) did not go through."


def test_a_redelivered_root_job_of_a_finished_chain_does_nothing(
    sim_ctx: WorkerContext, sim: Simulator
) -> None:
    job_id = _submit(sim_ctx, "server.power", "sim-reboot", vmid=101, action="reboot")
    assert _run(sim_ctx, job_id) == "succeeded"
    reboots = sum(c.path.endswith("/status/reboot") for c in sim.calls)

    job = Job.fetch(job_id, connection=sim_ctx.redis, serializer=JSONSerializer)
    assert start(job.args[0]) == {"skipped": f"chain {job_id} already succeeded"}

    assert sum(c.path.endswith("/status/reboot") for c in sim.calls) == reboots == 1
    assert BusyLocks(sim_ctx.redis, prefix=sim_ctx.prefix).holder(101) is None


def test_the_audit_stream_records_job_start_task_and_outcome(
    sim_ctx: WorkerContext, sim: Simulator
) -> None:
    audit = AuditLog(sim_ctx.redis, prefix=sim_ctx.prefix)
    with installed_context(replace(sim_ctx, audit=audit)):
        ok = _submit(sim_ctx, "server.power", "sim-audit-ok", vmid=101, action="reboot")
        assert _run(sim_ctx, ok) == "succeeded"
        bad = _submit(sim_ctx, "server.power", "sim-audit-bad", vmid=102, action="reboot")
        assert _run(sim_ctx, bad) == "failed"  # 102 is stopped: nothing to reboot

    entries = list(reversed(audit.recent(limit=50)))
    ours = [(e.event, e.job_id) for e in entries]
    assert ours[:3] == [("job.started", ok), ("job.task", ok), ("job.succeeded", ok)]
    task = next(e for e in entries if e.event == "job.task")
    assert task.upid is not None
    assert task.upid.startswith("UPID:pve1:")
    assert task.actor == "console:w:ann"
    failed = next(e for e in entries if e.event == "job.failed")
    assert (failed.job_id, failed.vmid) == (bad, 102)
    assert "stopped" in failed.result


def test_inventory_sync_follows_migrations_and_forgets_vms_deleted_outside_the_bot(
    sim_ctx: WorkerContext, sim: Simulator
) -> None:
    inventory = Inventory(sim_ctx.redis, prefix=sim_ctx.prefix)
    sync_inventory()
    assert (inventory.get(101) or InventoryEntry(vmid=0, node="")).node == "pve1"

    sim.vms[101].node = "pve2"  # an HA migration
    del sim.vms[102]  # someone deleted it in the Proxmox web UI
    sync_inventory()

    moved = inventory.get(101)
    assert moved is not None
    assert (moved.node, moved.owner) == ("pve2", "acme")
    assert inventory.get(102) is None
    assert [e.vmid for e in inventory.owned_by("acme")] == [101]


def test_a_backup_edits_one_message_with_its_progress_then_the_outcome(
    sim_ctx: WorkerContext, sim: Simulator, notifier: ChatRecorder
) -> None:
    sim.task_durations["vzdump"] = 6.0  # 3 s at the fixture's time scale: seen running

    assert _run(sim_ctx, _submit(sim_ctx, "backup.create", "sim-progress", vmid=101)) == (
        "succeeded"
    )

    card = one_card(notifier)
    assert card.title == "Backup · server 101"
    upid = card.field("Task", card.states[0])
    assert upid is not None
    assert upid.startswith("UPID:pve1:")
    assert card.texts[0] == "asked by you for acme\n⏳ Backing up"
    progress = [t for t in card.texts[1:-1] if t.endswith("%")]
    assert progress, card.texts
    assert all(t.startswith("asked by you for acme\n⏳ Backing up · ▰") for t in progress)
    assert card.texts[-1] == "asked by you for acme\n✓ Done in N s\n• backup saved (storage backup)"
    assert all(card.field("Task", s) == upid for s in card.states)
    assert card.field("Proxmox") == "OK"
    assert card.notice.reply.text == "Backup of server 101 is done."
