"""A task that ends with a lock error (NOTES §11: start/stop/resize/snapshot report a lock as
a task error) is tried again after the retry backoff, up to the retry cap; the next step
waits for the retried one. Real Actions, real RQ workers, the simulator over real HTTP."""

from __future__ import annotations

from jobs.context import WorkerContext
from jobs.state.chains import chain_progress
from proxmox.simulator import Simulator, propstr
from tests.contract.pve_schema import assert_conforms
from tests.jobs.cards import neutral, one_card
from tests.jobs.test_simulator import _run, _submit, sim, sim_ctx  # noqa: F401 (fixtures)
from tests.support.chat import ChatRecorder

GiB = 1024**3
FLOCK = "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout"


def _posts(sim: Simulator, suffix: str) -> int:  # noqa: F811 (the fixture's name)
    return sum(1 for c in sim.calls if c.method in {"POST", "PUT"} and c.path.endswith(suffix))


def test_reboot_that_hits_a_backup_lock_is_tried_again(
    sim_ctx: WorkerContext,  # noqa: F811
    sim: Simulator,  # noqa: F811
    notifier: ChatRecorder,
) -> None:
    sim.faults.fail_next_task("qmreboot", "VM is locked (backup)")
    job_id = _submit(sim_ctx, "server.power", "lock-reboot", vmid=101, action="reboot")

    assert _run(sim_ctx, job_id) == "succeeded"

    assert _posts(sim, "/qemu/101/status/reboot") == 2
    state = chain_progress(sim_ctx.redis, job_id, prefix=sim_ctx.prefix)
    assert state is not None
    (step,) = state.steps
    assert step.state == "done"
    assert step.upid is not None
    assert len(step.tried) == 1
    assert step.tried[0] != step.upid
    # One card: the first reboot's task, then the retry waiting (that task given up), then
    # the outcome with the task that went through; one notice.
    card = one_card(notifier)
    assert card.title == "Reboot · server 101"
    shown = [(neutral(s.reply.text), card.field("Task", s)) for s in card.states]
    head = "asked by you for acme\n"
    assert shown[0] == (head + "⏳ Rebooting", step.tried[0])
    assert (head + "⏳ Rebooting — VM is locked (backup); trying again shortly", None) in shown
    assert shown[-1] == (head + "✓ Done in N s\n• rebooted", step.upid)
    assert card.field("Proxmox") == "OK"
    assert card.notice.reply.text == "Reboot of server 101 is done."
    assert_conforms(sim.calls)


def test_resize_retried_after_a_flock_timeout_grows_once_then_goes_on(
    sim_ctx: WorkerContext,  # noqa: F811
    sim: Simulator,  # noqa: F811
) -> None:
    before = propstr.drive_size(str(sim.vms[101].config["scsi0"]))
    sim.faults.fail_next_task("resize", FLOCK)
    job_id = _submit(sim_ctx, "server.resize", "lock-resize", vmid=101, disk="+1G", cores=4)

    assert _run(sim_ctx, job_id) == "succeeded"

    assert _posts(sim, "/qemu/101/resize") == 2
    assert propstr.drive_size(str(sim.vms[101].config["scsi0"])) == before + GiB
    state = chain_progress(sim_ctx.redis, job_id, prefix=sim_ctx.prefix)
    assert state is not None
    assert [s.state for s in state.steps] == ["done"] * len(state.steps)


def test_lock_errors_past_the_retry_cap_fail_the_chain(
    sim_ctx: WorkerContext,  # noqa: F811
    sim: Simulator,  # noqa: F811
    notifier: ChatRecorder,
) -> None:
    for _ in range(4):  # retry_cap is 3: the first try and three more
        sim.faults.fail_next_task("qmreboot", "VM is locked (backup)")
    job_id = _submit(sim_ctx, "server.power", "lock-cap", vmid=101, action="reboot")

    assert _run(sim_ctx, job_id) == "failed"

    assert _posts(sim, "/qemu/101/status/reboot") == 4
    state = chain_progress(sim_ctx.redis, job_id, prefix=sim_ctx.prefix)
    assert state is not None
    failure = "VM is locked (backup) — gave up after 4 tries over N s. The server is running."
    assert neutral(str(state.error)) == failure
    card = one_card(notifier)
    assert card.title == "Reboot · server 101"
    assert card.texts[-1] == f"asked by you for acme\n✗ Failed while rebooting: {failure}"
    # Every retry was on the card while it waited.
    waiting = "asked by you for acme\n⏳ Rebooting — VM is locked (backup); trying again shortly"
    retries = [s for s in card.states if neutral(s.reply.text) == waiting and not s.reply.fields]
    assert len(retries) == 3
    assert card.notice.reply.text == "Reboot of server 101 did not go through."
