"""``/admin assign``, ``/server task`` and ``/admin queue`` through the testbot: the handler
on real Redis, the real RQ worker (run by ``settle``, or one burst by ``work_once``) and the
simulator over HTTP. alice (acme) owns 101 acme-web (pve1) and 102 acme-db (stopped); 103
globex-app (pve3) is globex's; boss is an admin; mallory is not linked."""

from __future__ import annotations

import re

from jobs.queue import fetch_job
from jobs.state.chains import chain_progress
from tests.support.conversation import perform
from tests.support.testbot import TestBot

_REF = re.compile(r"(#[a-z2-7]{4,12})\b")
_UPID = re.compile(r"Task: (UPID:\S+)")


def ref_of(text: str) -> str:
    """The ``#reference`` a "queued" answer names."""
    found = _REF.search(text)
    assert found, text
    return found.group(1)


def job_of(bot: TestBot, ref: str) -> str:
    """The job behind a reference (what RQ and the chain records are keyed by)."""
    job_id = bot.handler.jobs.refs.job_of(ref)
    assert job_id is not None, ref
    return job_id


def run(bot: TestBot, user: str, line: str) -> str:
    """Do it (the worker runs it to its end); its reference."""
    return ref_of(perform(bot, user, line).first.text)


def outcome(bot: TestBot, job_id: str) -> str | None:
    """How a job ended: its chain's status, or the RQ status of a job without a chain (a
    lookup); None while it is not over."""
    chain = chain_progress(bot.client, job_id, prefix=bot.prefix)
    if chain is not None:
        return None if chain.status == "running" else chain.status
    job = fetch_job(bot.client, job_id)
    status = job.get_status(refresh=True) if job is not None else None
    return str(status.value) if status is not None else None


def upids(text: str) -> list[str]:
    return _UPID.findall(text)


def test_admin_assign_moves_a_server_to_another_account(testbot: TestBot) -> None:
    assert "103" not in testbot.send("alice", "/server list").plain()

    ref = run(testbot, "boss", "/admin assign 103 acme")

    assert outcome(testbot, job_of(testbot, ref)) == "succeeded"
    assert sorted(str(testbot.sim.vms[103].config["tags"]).split(";")) == [
        "owner-acme",
        "production",
    ]
    cached = testbot.handler.stores.inventory.get(103)
    assert cached is not None
    assert cached.owner == "acme"
    assert "103: globex-app" in testbot.send("alice", "/server list").plain()  # before any sync
    assert "server 103 now belongs to acme (was globex)" in testbot.seen_text("boss")


def test_customers_cannot_assign(testbot: TestBot) -> None:
    reply = testbot.send("alice", "/admin assign 101 globex")

    assert reply.text == "/admin assign is for admins only"
    assert "(job" not in reply.text
    assert testbot.jobs_created() == 0
    assert testbot.calls == []
    assert testbot.sim.vms[101].config["tags"] == "owner-acme"


def test_task_by_job_id_shows_the_chain_to_its_account_only(testbot: TestBot) -> None:
    mine = run(testbot, "alice", "/server reboot 101")
    theirs = run(testbot, "boss", "/server reboot 103")

    reply = testbot.send("alice", f"/server task {mine}")
    assert reply.text.startswith(f"{mine} reboot 101 — succeeded in ")
    assert reply.code is not None
    assert reply.code.startswith("1/1 rebooting: done — rebooted — task UPID:pve1:")

    nobody = "#zzzzzz"
    hidden = testbot.send("alice", f"/server task {theirs}").text
    missing = testbot.send("alice", f"/server task {nobody}").text
    assert hidden == f"request {theirs} not found"
    assert missing == f"request {nobody} not found"
    assert testbot.send("boss", f"/server task {theirs.removeprefix('#')}").text.startswith(
        f"{theirs} reboot 103 — succeeded"
    )
    assert "not linked" in testbot.send("mallory", f"/server task {mine}").text


def test_a_job_waiting_for_a_worker_is_shown_as_queued(testbot: TestBot) -> None:
    """No worker has run (``settle`` was not called): the job waits in RQ."""
    ref = ref_of(testbot.send("alice", "/server reboot 101").text)

    assert testbot.send("alice", f"/server task {ref}").text == f"{ref} reboot 101 — queued"


def test_task_by_upid_is_a_job_that_posts_status_and_log(testbot: TestBot) -> None:
    run(testbot, "alice", "/server reboot 101")
    run(testbot, "boss", "/server reboot 103")
    (mine,) = set(upids(testbot.seen_text("alice")))
    (theirs,) = set(upids(testbot.seen_text("boss"))) - {mine}  # boss saw only his own

    looked_up = run(testbot, "alice", f"/server task {mine}")

    assert outcome(testbot, job_of(testbot, looked_up)) == "finished"
    assert f"task qmreboot on pve1: OK\n  Task: {mine}" in testbot.seen_text("alice")
    jobs, calls = testbot.jobs_created(), len(testbot.calls)
    refused = testbot.send("alice", f"/server task {theirs}")
    assert refused.text == f"task {theirs} not found"
    assert (testbot.jobs_created(), len(testbot.calls)) == (jobs, calls)  # no job, no Proxmox
    admin = run(testbot, "boss", f"/server task {theirs}")
    assert outcome(testbot, job_of(testbot, admin)) == "finished"
    assert f"task qmreboot on pve3: OK\n  Task: {theirs}" in testbot.seen_text("boss")


def test_admin_queue_lists_a_failed_job_and_retries_it(testbot: TestBot) -> None:
    failed = run(testbot, "alice", "/server reboot 102")  # 102 is stopped: the job fails
    failed_job = job_of(testbot, failed)
    assert outcome(testbot, failed_job) == "failed"

    listing = testbot.send("boss", "/admin queue")
    assert listing.text.endswith("0 chain(s) in progress, 1 failed")
    assert listing.code is not None
    assert "default  queued 0  started 0  scheduled 0  deferred 0  failed 1" in listing.code
    assert testbot.prefix not in listing.code  # queue names are shown without the prefix
    assert f"  {failed}  server 102 is stopped, so it cannot reboot" in listing.code

    retried = testbot.send("boss", f"/admin queue retry={failed}")
    assert retried.text == f"request {failed} is queued again"
    testbot.settle()  # 102 is still stopped: it fails again
    job = fetch_job(testbot.client, failed_job)
    assert job is not None
    assert str(job.get_status(refresh=True).value) == "failed"
    assert testbot.send("boss", "/admin queue retry=#zzzzzz").text == "no request #zzzzzz"
    assert testbot.send("alice", "/admin queue").text == "/admin queue is for admins only"


def test_a_chain_waiting_on_its_task_is_in_progress(testbot: TestBot) -> None:
    """Deterministic: the worker runs one burst and stops, so the chain stays waiting on its
    60 s reboot task (its tracking poll scheduled) while the listing and the task are read."""
    testbot.sim.time_scale = 1
    testbot.sim.task_durations["qmreboot"] = 60
    ref = ref_of(testbot.send("alice", "/server reboot 101").text)
    testbot.work_once()
    chain = chain_progress(testbot.client, job_of(testbot, ref), prefix=testbot.prefix)
    assert chain is not None
    assert chain.steps[0].state == "task"

    listing = testbot.send("boss", "/admin queue")
    assert listing.code is not None
    assert f"  {ref}  reboot 101: rebooting …" in listing.code
    assert ", 1 chain(s) in progress, 0 failed" in listing.text
    shown = testbot.send("alice", f"/server task {ref}")
    assert shown.text.startswith(f"{ref} reboot 101 — running for ")
    assert shown.code is not None
    # While its task runs, the step says what it is doing, not yet what it did.
    assert "1/1 rebooting: task — task UPID:pve1:" in shown.code
