"""The ack path refuses what the worker is certain to refuse (plan limits, shrinking disks,
foreign backups), a resize that changes nothing, and a request identical to one already
waiting for approval: the exact reply, nothing queued, no confirmation or approval, no
request at Proxmox, and a ``refused`` audit entry.

Through the testbot's demo fleet: 101 acme-web has 2 cores, 4096 MiB and a 32 GiB disk and
belongs to acme, whose customer is alice; 102 acme-db (acme too) has 4 cores; boss is an
admin. The backups are the simulator's own: two of 101 on the storage ``backup``."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
import redis

from jobs.queue import QueueUnavailable
from jobs.state.inventory import InventoryEntry
from tests.commands.kit import FailingQueue, new_prefix
from tests.support.testbot import TestBot, identity, room, running_testbot

LISTING = "/server backup list 101 shows its backups"


def assert_refused(bot: TestBot, user: str, text: str, expected: str) -> None:
    """The reply is ``expected``, and nothing was queued, asked, posted or sent to Proxmox
    because of it."""
    before = (bot.jobs_created(), pending_ids(bot), len(bot.posts()), len(bot.calls))
    reply = bot.send(user, f"/server {text}")
    assert reply.text == expected
    assert (reply.tone, reply.buttons) == ("warning", ())  # no Confirm, no Approve
    after = (bot.jobs_created(), pending_ids(bot), len(bot.posts()), len(bot.calls))
    assert after == before
    (last,) = bot.handler.stores.audit.recent(limit=1)
    assert (last.event, last.command, last.result) == ("refused", f"/server {text}", expected)


def pending_ids(bot: TestBot) -> list[str]:
    return [a.request.id for a in bot.handler.stores.approvals.pending()]


def good_backup(bot: TestBot) -> str:
    """A backup of 101 on the backup storage: the one a restore or delete may name."""
    return bot.sim.backups(101)[0].volid


@pytest.fixture
def configured(
    testbot_redis: redis.Redis, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[TestBot]:
    """A testbot composed under the ``JOTUNHEIM_*`` variables the test gives as its
    parameter: the bot and its worker read them alike, as in production."""
    variables: dict[str, str] = request.param
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with running_testbot(testbot_redis, new_prefix()) as bot:
        yield bot


# -- plan limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("cpu=64", "cpu=64 is over your plan's limit of 16 cores; ask for cpu=16 or less"),
        (
            "memory=128G",
            "memory=128G is over your plan's limit of 64 GiB; ask for memory=64G or less",
        ),
        (
            "disk=2000G",
            "disk=2000G is over your plan's limit of 1024 GiB; ask for disk=1024G or less",
        ),
        (
            "disk=+1010G",
            "disk=+1010G would make the disk 1042 GiB, over your plan's limit of 1024 GiB; "
            "grow it by at most disk=+992G",
        ),
        (
            "cpu=4 memory=100G",
            "memory=100G is over your plan's limit of 64 GiB; ask for memory=64G or less",
        ),
    ],
)
def test_a_resize_over_the_plan_is_refused_before_approval(
    testbot: TestBot, asked: str, expected: str
) -> None:
    assert_refused(testbot, "alice", f"resize 101 {asked}", expected)


@pytest.mark.parametrize(
    "configured",
    [{"JOTUNHEIM_PLAN_MAX_CORES": "4", "JOTUNHEIM_PLAN_MAX_MEMORY_MIB": "6144"}],
    indirect=True,
)
def test_the_limits_are_the_configured_ones(configured: TestBot) -> None:
    assert_refused(
        configured,
        "alice",
        "resize 101 cpu=5",
        "cpu=5 is over your plan's limit of 4 cores; ask for cpu=4 or less",
    )
    assert_refused(
        configured,
        "alice",
        "resize 101 memory=7G",
        "memory=7G is over your plan's limit of 6 GiB; ask for memory=6G or less",
    )
    reply = configured.send("alice", "/server resize 101 cpu=4 memory=6G")
    assert "needs an admin's approval" in reply.text


def test_a_disk_at_the_limit_cannot_grow(testbot: TestBot) -> None:
    """Proxmox says 102's disk is 1024 GiB (the plan's limit) once the inventory is synced."""
    vm = testbot.sim.vms[102]
    vm.config["scsi0"] = re.sub(r"size=\w+", "size=1024G", str(vm.config["scsi0"]))
    testbot.sync()
    testbot.sim.clear_calls()
    assert_refused(
        testbot,
        "alice",
        "resize 102 disk=+1G",
        "disk=+1G would make the disk 1025 GiB, over your plan's limit of 1024 GiB; "
        "it is 1024 GiB already and cannot grow further",
    )


def test_admins_are_held_to_the_limits_the_worker_holds_them_to(testbot: TestBot) -> None:
    assert_refused(
        testbot,
        "boss",
        "resize 101 cpu=64",
        "cpu=64 is over the plan's limit of 16 cores; ask for cpu=16 or less",
    )
    assert "queued" in testbot.send("boss", "/server resize 101 cpu=16").text


def test_a_dry_run_over_the_limits_is_refused_too(testbot: TestBot) -> None:
    assert_refused(
        testbot,
        "alice",
        "resize 101 cpu=32 dry-run=yes",
        "cpu=32 is over your plan's limit of 16 cores; ask for cpu=16 or less",
    )


# -- disks only grow, and a resize must change something ---------------------------------------


def test_a_shrink_is_refused_with_the_current_size_and_the_growth_form(testbot: TestBot) -> None:
    assert_refused(
        testbot,
        "alice",
        "resize 101 disk=10G",
        "disk=10G would shrink the disk of server 101, which is 32 GiB, and disks only grow; "
        "use disk=+NG to grow it by N GiB",
    )


def test_a_shrink_by_name_is_refused_for_admins_too(testbot: TestBot) -> None:
    assert_refused(
        testbot,
        "boss",
        "resize acme-web cpu=4 disk=15G",
        "disk=15G would shrink the disk of server 101, which is 32 GiB, and disks only grow; "
        "use disk=+NG to grow it by N GiB",
    )


@pytest.mark.parametrize(
    ("user", "asked", "has"),
    [
        ("alice", "disk=32G", "a 32 GiB disk"),
        ("alice", "cpu=2", "2 cores"),
        ("alice", "cpu=2 memory=4G disk=32G", "2 cores, 4 GiB of memory and a 32 GiB disk"),
        ("boss", "memory=4096", "4 GiB of memory"),
    ],
)
def test_a_resize_that_changes_nothing_is_refused(
    testbot: TestBot, user: str, asked: str, has: str
) -> None:
    expected = f"nothing to change: server 101 already has {has}; ask for a value that differs"
    assert_refused(testbot, user, f"resize 101 {asked}", expected)


def test_one_changed_value_is_enough(testbot: TestBot) -> None:
    asked = testbot.send("alice", "/server resize 101 cpu=2 memory=8G").text
    assert "needs an admin's approval" in asked
    assert "needs an admin's approval" in testbot.send("alice", "/server resize 101 disk=+1G").text
    dry_run = testbot.send("alice", "/server resize 101 cpu=2 dry-run=yes").text
    assert "Working out the plan" in dry_run


def test_sizes_the_inventory_does_not_know_are_left_to_the_worker(testbot: TestBot) -> None:
    """A cached server whose sizes the cache does not hold (0: not known)."""
    new = InventoryEntry(vmid=104, node="pve1", name="new", owner="acme")
    testbot.handler.stores.inventory.put(new)
    for asked in ("disk=10G", "cpu=1 memory=1G", "disk=+2000G"):
        reply = testbot.send("alice", f"/server resize 104 {asked}")
        assert "needs an admin's approval" in reply.text
    # An absolute size over the plan needs no current size to be certain.
    assert_refused(
        testbot,
        "alice",
        "resize 104 disk=2000G",
        "disk=2000G is over your plan's limit of 1024 GiB; ask for disk=1024G or less",
    )


# -- backups -----------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["restore", "delete"])
@pytest.mark.parametrize("user", ["alice", "boss"])
def test_another_servers_backup_is_refused(testbot: TestBot, verb: str, user: str) -> None:
    of_102 = good_backup(testbot).replace("-qemu-101-", "-qemu-102-")  # acme's other server
    expected = f"that is not a backup of server 101; {LISTING}"
    assert_refused(testbot, user, f"backup {verb} acme-web {of_102}", expected)


@pytest.mark.parametrize("verb", ["restore", "delete"])
def test_a_backup_elsewhere_than_the_backup_storage_is_refused(testbot: TestBot, verb: str) -> None:
    on_local = good_backup(testbot).replace("backup:", "local:", 1)
    expected = f"that backup is not on the backup storage; {LISTING}"
    assert_refused(testbot, "alice", f"backup {verb} 101 {on_local}", expected)


def test_an_archive_the_worker_does_not_restore_is_refused(testbot: TestBot) -> None:
    tar = good_backup(testbot).replace(".vma.zst", ".tar.zst")
    expected = f"{tar} is not a backup of a server; {LISTING}"
    assert_refused(testbot, "alice", f"backup restore 101 {tar}", expected)


def test_a_backup_of_this_server_on_the_backup_storage_is_asked_to_confirm(
    testbot: TestBot,
) -> None:
    for verb in ("restore", "delete"):
        reply = testbot.send("alice", f"/server backup {verb} 101 {good_backup(testbot)}")
        assert reply.text.startswith(f"Are you sure? backup {verb} server 101 (acme-web)")


@pytest.mark.parametrize("configured", [{"JOTUNHEIM_BACKUP_STORAGE": "nas"}], indirect=True)
def test_the_backup_storage_is_the_configured_one(configured: TestBot) -> None:
    good = good_backup(configured)
    expected = f"that backup is not on the backup storage; {LISTING}"
    assert_refused(configured, "alice", f"backup delete 101 {good}", expected)
    on_nas = good.replace("backup:", "nas:", 1)
    reply = configured.send("alice", f"/server backup delete 101 {on_nas}")
    assert reply.text.startswith("Are you sure?")


# -- one pending request per identical ask -----------------------------------------------------
def ref_of(bot: TestBot, approval_id: str) -> str:
    found = bot.handler.stores.approvals.get(approval_id)
    assert found is not None
    return found.request.ref


def test_an_identical_request_points_at_the_one_waiting(testbot: TestBot) -> None:
    testbot.handler.stores.identities.link(identity("carol"), "acme")
    testbot.send("alice", "/server resize 101 cpu=4 memory=8G")
    (waiting,) = pending_ids(testbot)
    expected = f"an identical request is already waiting for approval: #{ref_of(testbot, waiting)}"
    # the same account, by name, in other words for the same memory size: all identical
    for user, text in [
        ("alice", "resize 101 cpu=4 memory=8G"),
        ("carol", "resize acme-web cpu=4 memory=8G"),
        ("alice", "resize 101 memory=8192 cpu=4"),
    ]:
        assert_refused(testbot, user, text, expected)
    assert pending_ids(testbot) == [waiting]
    assert [s.channel for s in testbot.posts()] == ["admins", room("alice")]


def test_a_different_request_is_not_identical(testbot: TestBot) -> None:
    testbot.send("alice", "/server resize 101 cpu=4")
    testbot.send("alice", "/server resize 101 cpu=5")
    testbot.send("alice", "/server resize 102 cpu=5")  # 102 has 4 cores
    assert len(pending_ids(testbot)) == 3


def test_an_identical_restore_is_refused_before_its_confirmation(testbot: TestBot) -> None:
    restore = f"backup restore 101 {good_backup(testbot)}"
    testbot.send("alice", f"/server {restore}")
    testbot.confirm("alice")
    (waiting,) = pending_ids(testbot)
    expected = f"an identical request is already waiting for approval: #{ref_of(testbot, waiting)}"
    assert_refused(testbot, "alice", restore, expected)


@pytest.mark.parametrize("decision", ["approve", "deny"])
def test_once_decided_the_same_request_may_be_made_again(testbot: TestBot, decision: str) -> None:
    testbot.send("alice", "/server resize 101 cpu=4")
    (first,) = pending_ids(testbot)
    testbot.click("boss", testbot.button("boss", decision, first), reason="not now")
    assert identical_keys(testbot) == []
    assert "needs an admin's approval" in testbot.send("alice", "/server resize 101 cpu=4").text
    assert len(pending_ids(testbot)) == 1
    assert pending_ids(testbot) != [first]


def test_once_expired_the_same_request_may_be_made_again(testbot: TestBot) -> None:
    testbot.send("alice", "/server resize 101 cpu=4")
    (first,) = pending_ids(testbot)
    testbot.clock.advance(testbot.handler.stores.approvals.ttl + 1)
    assert testbot.send("boss", "/admin approvals").text == "no pending approval requests"
    assert identical_keys(testbot) == []
    assert "needs an admin's approval" in testbot.send("alice", "/server resize 101 cpu=4").text
    assert pending_ids(testbot) not in ([], [first])


def test_a_request_reopened_after_a_queue_failure_is_waiting_again(
    testbot_redis: redis.Redis,
) -> None:
    queue = FailingQueue()
    with running_testbot(testbot_redis, new_prefix(), queue=queue.around) as bot:
        bot.send("alice", "/server resize 101 cpu=4")
        (first,) = pending_ids(bot)
        queue.fail_with = QueueUnavailable("down")
        bot.approve("boss", first)
        queue.fail_with = None
        expected = f"an identical request is already waiting for approval: #{ref_of(bot, first)}"
        assert_refused(bot, "alice", "resize 101 cpu=4", expected)


def test_identical_requests_at_once_create_one_approval(testbot: TestBot) -> None:
    barrier = threading.Barrier(6)
    replies: list[str] = []

    def ask() -> None:
        barrier.wait()
        replies.append(testbot.send("alice", "/server resize 101 cpu=4").text)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (waiting,) = pending_ids(testbot)
    assert sum("needs an admin's approval" in r for r in replies) == 1
    refused = f"an identical request is already waiting for approval: #{ref_of(testbot, waiting)}"
    assert replies.count(refused) == 5
    assert len(testbot.posts()) == 2  # the admins' card and alice's


def identical_keys(bot: TestBot) -> list[bytes]:
    return list(bot.client.scan_iter(f"{bot.prefix}:approvals:identical:*"))
