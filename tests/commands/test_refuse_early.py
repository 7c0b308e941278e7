"""The ack path refuses what the worker is certain to refuse (plan limits, shrinking disks,
foreign backups), a resize that changes nothing, and a request identical to one already
waiting for approval: the exact reply, nothing queued, no confirmation or approval, and a
``refused`` audit entry. The inventory (tests/commands/conftest.py): 101 web1 has 2 cores,
2048 MiB and a 20 GiB disk and belongs to acme; alice is acme's customer, boss an admin."""

from __future__ import annotations

import dataclasses
import threading

import pytest
import redis

from bot.compose import build_handler
from bot.settings.plan import BackupSettings, PlanSettings
from jobs.queue import QueueUnavailable
from jobs.state.inventory import InventoryEntry
from tests.commands.conftest import GiB, World, identity, make_world, settings

GOOD = "backup:backup/vzdump-qemu-101-2024_05_01-03_00_00.vma.zst"
OF_102 = "backup:backup/vzdump-qemu-102-2024_05_01-03_00_00.vma.zst"
ON_LOCAL = "local:backup/vzdump-qemu-101-2024_05_01-03_00_00.vma.zst"
LISTING = "/server backup list 101 shows its backups"


def assert_refused(world: World, user: str, text: str, expected: str) -> None:
    """The reply is ``expected``, and nothing was queued, asked or posted because of it."""
    before = (len(world.queue.submitted), pending_ids(world), len(world.notifier.posts))
    reply = world.say(user, text)
    assert reply.text == expected
    assert (reply.tone, reply.buttons) == ("warning", ())  # no Confirm, no Approve
    after = (len(world.queue.submitted), pending_ids(world), len(world.notifier.posts))
    assert after == before
    (last,) = world.handler.stores.audit.recent(limit=1)
    assert (last.event, last.command, last.result) == ("refused", f"/server {text}", expected)


def pending_ids(world: World) -> list[str]:
    return [a.request.id for a in world.handler.stores.approvals.pending()]


def with_settings(
    world: World, plan: PlanSettings | None = None, backup: BackupSettings | None = None
) -> World:
    """The same Redis, links, inventory, queue and notifier; other shared settings."""
    handler = build_handler(
        world.client,
        world.notifier,
        world.queue,
        settings=settings().model_copy(update={"redis_prefix": world.prefix}),
        busy=world.busy,
        plan=plan,
        backup=backup,
    )
    return dataclasses.replace(world, handler=handler)


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
            "disk=+1010G would make the disk 1030 GiB, over your plan's limit of 1024 GiB; "
            "grow it by at most disk=+1004G",
        ),
        (
            "cpu=4 memory=100G",
            "memory=100G is over your plan's limit of 64 GiB; ask for memory=64G or less",
        ),
    ],
)
def test_a_resize_over_the_plan_is_refused_before_approval(
    world: World, asked: str, expected: str
) -> None:
    assert_refused(world, "alice", f"resize 101 {asked}", expected)


def test_the_limits_are_the_configured_ones(world: World) -> None:
    small = with_settings(world, plan=PlanSettings(max_cores=4, max_memory_mib=6144))
    assert_refused(
        small,
        "alice",
        "resize 101 cpu=5",
        "cpu=5 is over your plan's limit of 4 cores; ask for cpu=4 or less",
    )
    assert_refused(
        small,
        "alice",
        "resize 101 memory=7G",
        "memory=7G is over your plan's limit of 6 GiB; ask for memory=6G or less",
    )
    assert "needs an admin's approval" in small.say("alice", "resize 101 cpu=4 memory=6G").text


def test_a_disk_at_the_limit_cannot_grow(world: World) -> None:
    full = InventoryEntry(vmid=103, node="pve1", name="big", owner="acme", disk_bytes=1024 * GiB)
    world.inventory.put(full)
    assert_refused(
        world,
        "alice",
        "resize 103 disk=+1G",
        "disk=+1G would make the disk 1025 GiB, over your plan's limit of 1024 GiB; "
        "it is 1024 GiB already and cannot grow further",
    )


def test_admins_are_held_to_the_limits_the_worker_holds_them_to(world: World) -> None:
    assert_refused(
        world,
        "boss",
        "resize 101 cpu=64",
        "cpu=64 is over the plan's limit of 16 cores; ask for cpu=16 or less",
    )
    assert "queued" in world.say("boss", "resize 101 cpu=16").text


def test_a_dry_run_over_the_limits_is_refused_too(world: World) -> None:
    assert_refused(
        world,
        "alice",
        "resize 101 cpu=32 dry-run=yes",
        "cpu=32 is over your plan's limit of 16 cores; ask for cpu=16 or less",
    )


# -- disks only grow, and a resize must change something ---------------------------------------


def test_a_shrink_is_refused_with_the_current_size_and_the_growth_form(world: World) -> None:
    assert_refused(
        world,
        "alice",
        "resize 101 disk=10G",
        "disk=10G would shrink the disk of server 101, which is 20 GiB, and disks only grow; "
        "use disk=+NG to grow it by N GiB",
    )


def test_a_shrink_by_name_is_refused_for_admins_too(world: World) -> None:
    assert_refused(
        world,
        "boss",
        "resize web1 cpu=4 disk=15G",
        "disk=15G would shrink the disk of server 101, which is 20 GiB, and disks only grow; "
        "use disk=+NG to grow it by N GiB",
    )


@pytest.mark.parametrize(
    ("user", "asked", "has"),
    [
        ("alice", "disk=20G", "a 20 GiB disk"),
        ("alice", "cpu=2", "2 cores"),
        ("alice", "cpu=2 memory=2G disk=20G", "2 cores, 2 GiB of memory and a 20 GiB disk"),
        ("boss", "memory=2048", "2 GiB of memory"),
    ],
)
def test_a_resize_that_changes_nothing_is_refused(
    world: World, user: str, asked: str, has: str
) -> None:
    expected = f"nothing to change: server 101 already has {has}; ask for a value that differs"
    assert_refused(world, user, f"resize 101 {asked}", expected)


def test_one_changed_value_is_enough(world: World) -> None:
    assert "needs an admin's approval" in world.say("alice", "resize 101 cpu=2 memory=4G").text
    assert "needs an admin's approval" in world.say("alice", "resize 101 disk=+1G").text
    assert "the plan will appear here" in world.say("alice", "resize 101 cpu=2 dry-run=yes").text


def test_sizes_the_inventory_does_not_know_are_left_to_the_worker(world: World) -> None:
    world.inventory.put(InventoryEntry(vmid=104, node="pve1", name="new", owner="acme"))
    assert "needs an admin's approval" in world.say("alice", "resize 104 disk=10G").text
    assert "needs an admin's approval" in world.say("alice", "resize 104 cpu=1 memory=1G").text
    assert "needs an admin's approval" in world.say("alice", "resize 104 disk=+2000G").text
    # An absolute size over the plan needs no current size to be certain.
    assert_refused(
        world,
        "alice",
        "resize 104 disk=2000G",
        "disk=2000G is over your plan's limit of 1024 GiB; ask for disk=1024G or less",
    )


# -- backups -----------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["restore", "delete"])
@pytest.mark.parametrize("user", ["alice", "boss"])
def test_another_servers_backup_is_refused(world: World, verb: str, user: str) -> None:
    expected = f"backup {OF_102} is not a backup of server 101; {LISTING}"
    assert_refused(world, user, f"backup {verb} web1 {OF_102}", expected)


@pytest.mark.parametrize("verb", ["restore", "delete"])
def test_a_backup_elsewhere_than_the_backup_storage_is_refused(world: World, verb: str) -> None:
    expected = f"backup {ON_LOCAL} is not on the backup storage `backup`; {LISTING}"
    assert_refused(world, "alice", f"backup {verb} 101 {ON_LOCAL}", expected)


def test_an_archive_the_worker_does_not_restore_is_refused(world: World) -> None:
    tar = "backup:backup/vzdump-qemu-101-2024_05_01-03_00_00.tar.zst"
    expected = f"backup {tar} is not a server backup; {LISTING}"
    assert_refused(world, "alice", f"backup restore 101 {tar}", expected)


def test_a_backup_of_this_server_on_the_backup_storage_is_asked_to_confirm(world: World) -> None:
    for verb in ("restore", "delete"):
        reply = world.say("alice", f"backup {verb} 101 {GOOD}")
        assert reply.text.startswith(f"Are you sure? backup {verb} server 101 (web1)")


def test_the_backup_storage_is_the_configured_one(world: World) -> None:
    nas = with_settings(world, backup=BackupSettings(storage="nas"))
    expected = f"backup {GOOD} is not on the backup storage `nas`; {LISTING}"
    assert_refused(nas, "alice", f"backup delete 101 {GOOD}", expected)
    on_nas = GOOD.replace("backup:", "nas:", 1)
    assert nas.say("alice", f"backup delete 101 {on_nas}").text.startswith("Are you sure?")


# -- one pending request per identical ask -----------------------------------------------------


def test_an_identical_request_points_at_the_one_waiting(world: World) -> None:
    world.handler.stores.identities.link(identity("carol"), "acme")
    world.say("alice", "resize 101 cpu=4 memory=8G")
    (waiting,) = pending_ids(world)
    expected = f"an identical request is already waiting for approval: request {waiting}"
    # the same account, by name, in other words for the same memory size: all identical
    for user, text in [
        ("alice", "resize 101 cpu=4 memory=8G"),
        ("carol", "resize web1 cpu=4 memory=8G"),
        ("alice", "resize 101 memory=8192 cpu=4"),
    ]:
        assert_refused(world, user, text, expected)
    assert pending_ids(world) == [waiting]
    assert [t.channel for t, _ in world.notifier.posts] == ["admins"]


def test_a_different_request_is_not_identical(world: World) -> None:
    world.say("alice", "resize 101 cpu=4")
    world.say("alice", "resize 101 cpu=5")
    world.say("alice", "resize 102 cpu=5")  # 102 has 4 cores
    assert len(pending_ids(world)) == 3


def test_an_identical_restore_is_refused_before_its_confirmation(world: World) -> None:
    ask = world.say("alice", f"backup restore 101 {GOOD}")
    world.click("alice", "confirm", ask.buttons[0].value)
    (waiting,) = pending_ids(world)
    expected = f"an identical request is already waiting for approval: request {waiting}"
    assert_refused(world, "alice", f"backup restore 101 {GOOD}", expected)


@pytest.mark.parametrize("decision", ["approve", "deny"])
def test_once_decided_the_same_request_may_be_made_again(world: World, decision: str) -> None:
    world.say("alice", "resize 101 cpu=4")
    (first,) = pending_ids(world)
    world.click("boss", decision, first)
    assert identical_keys(world) == []
    assert "needs an admin's approval" in world.say("alice", "resize 101 cpu=4").text
    assert len(pending_ids(world)) == 1
    assert pending_ids(world) != [first]


def test_once_expired_the_same_request_may_be_made_again(world: World) -> None:
    world.say("alice", "resize 101 cpu=4")
    (first,) = pending_ids(world)
    world.client.hset(f"{world.prefix}:approval:{first}", "expires", "1")
    world.client.zadd(f"{world.prefix}:approvals:pending", {first: 1})
    assert world.say("boss", "approvals", scope="admin").text == "no pending approval requests"
    assert identical_keys(world) == []
    assert "needs an admin's approval" in world.say("alice", "resize 101 cpu=4").text


def test_a_request_reopened_after_a_queue_failure_is_waiting_again(world: World) -> None:
    world.say("alice", "resize 101 cpu=4")
    (first,) = pending_ids(world)
    world.queue.fail_with = QueueUnavailable("down")
    world.click("boss", "approve", first)
    world.queue.fail_with = None
    expected = f"an identical request is already waiting for approval: request {first}"
    assert_refused(world, "alice", "resize 101 cpu=4", expected)


def test_identical_requests_at_once_create_one_approval(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    world = make_world(redis_client, key_prefix)
    barrier = threading.Barrier(6)
    replies: list[str] = []

    def ask() -> None:
        barrier.wait()
        replies.append(world.say("alice", "resize 101 cpu=4").text)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (waiting,) = pending_ids(world)
    assert sum("needs an admin's approval" in r for r in replies) == 1
    assert (
        replies.count(f"an identical request is already waiting for approval: request {waiting}")
        == 5
    )
    assert len(world.notifier.posts) == 1


def identical_keys(world: World) -> list[bytes]:
    return list(world.client.scan_iter(f"{world.prefix}:approvals:identical:*"))
