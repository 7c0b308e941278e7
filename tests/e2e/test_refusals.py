"""What the ack path refuses, through the testbot: the exact reply, nothing enqueued, no
request at the simulator, and a ``refused`` audit entry. And what the worker refuses when
the cache was wrong: a server the customer does not own reads exactly like one that does not
exist, and nothing is written to Proxmox.

The demo fleet: alice (acme) owns 101 acme-web (2 cores, 4 GiB, 32 GiB disk) and 102
acme-db; gina (globex) owns 103; boss is an admin."""

from __future__ import annotations

import re

import pytest
import redis

from tests.support.conversation import Done, perform
from tests.support.testbot import TestBot, identity, running_testbot

SHRINK = (
    "disk=10G would shrink the disk of server 101, which is 32 GiB, and disks only grow; "
    "use disk=+NG to grow it by N GiB"
)
LISTING = "/server backup list 101 shows its backups"

REFUSED = [
    ("alice", "/server resize 101 disk=10G", SHRINK),
    ("boss", "/server resize 101 disk=10G", SHRINK),  # the worker refuses admins too
    (
        "alice",
        "/server resize 101 disk=32G",
        "nothing to change: server 101 already has a 32 GiB disk; ask for a value that differs",
    ),
    (
        "alice",
        "/server resize 101 cpu=2",
        "nothing to change: server 101 already has 2 cores; ask for a value that differs",
    ),
    (
        "alice",
        "/server resize 101 cpu=64",
        "cpu=64 is over your plan's limit of 16 cores; ask for cpu=16 or less",
    ),
    (
        "alice",
        "/server resize 101 memory=128G",
        "memory=128G is over your plan's limit of 64 GiB; ask for memory=64G or less",
    ),
    (
        "alice",
        "/server resize 101 disk=2000G",
        "disk=2000G is over your plan's limit of 1024 GiB; ask for disk=1024G or less",
    ),
    (
        "alice",
        "/server status 0101",
        "vm: expected a server VMID (e.g. 101, or cluster/101) or its name (e.g. web1); "
        "got '0101': a VMID has no leading zeros — did you mean 101?\n"
        "usage: /server status <vm>",
    ),
    ("gina", "/server status 101", "server 101 not found"),
    ("gina", "/server status 104", "server 104 not found"),
    ("mallory", "/server list", "this chat user is not linked to an account: ask your provider "
     "for a code, then run /auth link <code>"),
    ("alice", "/admin node list", "/admin node list is for admins only"),
]  # fmt: skip


def assert_refused(bot: TestBot, user: str, line: str, expected: str) -> None:
    reply = bot.send(user, line)
    assert reply.text == expected
    assert (reply.tone, reply.buttons) == ("warning", ())
    assert bot.jobs_created() == 0
    assert bot.calls == []
    assert bot.handler.stores.approvals.pending() == []
    (last,) = bot.handler.stores.audit.recent(limit=1)
    assert (last.event, last.result) == ("refused", expected)


@pytest.mark.parametrize(("user", "line", "expected"), REFUSED, ids=[r[1] for r in REFUSED])
def test_the_ack_path_refuses(testbot: TestBot, user: str, line: str, expected: str) -> None:
    assert_refused(testbot, user, line, expected)


@pytest.mark.parametrize("verb", ["restore", "delete"])
def test_a_backup_of_another_server_or_storage_is_refused(testbot: TestBot, verb: str) -> None:
    theirs = testbot.sim.backups(103)[0].volid
    ours_elsewhere = testbot.sim.backups(101)[0].volid.replace("backup:", "local:")
    testbot.sim.clear_calls()
    assert_refused(
        testbot,
        "alice",
        f"/server backup {verb} 101 {theirs}",
        f"that is not a backup of server 101; {LISTING}",
    )
    assert_refused(
        testbot,
        "alice",
        f"/server backup {verb} 101 {ours_elsewhere}",
        f"that backup is not on the backup storage; {LISTING}",
    )


def test_an_identical_request_waiting_for_approval_is_refused(testbot: TestBot) -> None:
    first = testbot.send("alice", "/server resize 101 cpu=4")
    (pending,) = testbot.handler.stores.approvals.pending()
    assert f"#{pending.request.ref}" in first.text
    second = testbot.send("alice", "/server resize acme-web cpu=4")  # same, by name
    expected = f"an identical request is already waiting for approval: #{pending.request.ref}"
    assert (second.text, second.tone) == (expected, "warning")
    assert testbot.jobs_created() == 0
    assert testbot.calls == []
    assert len(testbot.handler.stores.approvals.pending()) == 1
    assert testbot.audit_events()[-1] == "refused"


def test_one_account_has_one_budget_across_its_chat_users(testbot_redis: redis.Redis) -> None:
    limits = {"rate_limit_per_minute": 3, "rate_limit_per_account_per_minute": 4}
    with running_testbot(testbot_redis, "tb-rate", policy=limits) as bot:
        bot.handler.stores.identities.link(identity("alice2"), "acme")
        for user in ("alice", "alice", "alice2", "alice2"):
            assert bot.send(user, "/server list").tone == "info"
        assert bot.send("alice", "/server help").tone == "info"  # help is never counted
        refused = bot.send("alice2", "/server list")
        assert refused.text.startswith("slow down: at most 4 commands a minute for account acme")
        assert bot.audit_events()[-1] == "refused"


def test_a_refused_click_is_audited(testbot: TestBot) -> None:
    testbot.send("alice", "/server resize 101 cpu=4")
    button = testbot.button("boss", "approve")
    result = testbot.click("alice", button)  # a customer clicks the admins' Approve
    assert result.to_clicker.text == "only admins can decide approval requests"
    (last,) = testbot.handler.stores.audit.recent(limit=1)
    assert (last.event, last.actor, last.result) == (
        "refused",
        identity("alice").key,
        "only admins can decide approval requests",
    )
    assert testbot.jobs_created() == 0


def _card_and_notice(done: Done) -> str:
    """The card's last state and the notice, with the request's own reference blanked."""
    card = [s.text for s in done.seen if s.how in ("post", "edit") and not s.reply.mention]
    notice = [s.text for s in done.seen if s.reply.mention]
    return re.sub(r"#[a-z2-7]{4,12}", "#REF", "\n".join([card[-1], *notice]))


def test_the_worker_answers_a_foreign_server_exactly_like_a_missing_one(testbot: TestBot) -> None:
    """The cache says acme owns both; Proxmox says 102 is globex's now and 104 is gone."""
    testbot.sim.vms[102].config["tags"] = "owner-globex"
    entry = testbot.handler.stores.inventory.get(102)
    assert entry is not None
    testbot.handler.stores.inventory.put(entry.model_copy(update={"vmid": 104, "name": "ghost"}))
    testbot.sim.clear_calls()
    foreign = _card_and_notice(perform(testbot, "alice", "/server start 102"))
    missing = _card_and_notice(perform(testbot, "alice", "/server start 104"))
    assert foreign.replace("102", "N") == missing.replace("104", "N")
    assert "does not exist" in foreign
    assert testbot.writes() == []
    assert testbot.sim.vms[102].status == "stopped"
