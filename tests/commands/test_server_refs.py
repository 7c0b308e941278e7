"""The one server reference: ``[cluster/]VMID`` (VMID 100-999999999, no leading zeros) or
a name. Anything else is refused with the usage and the nearest valid form."""

from __future__ import annotations

import pytest
import redis

from tests.commands.kit import new_prefix
from tests.support.testbot import TestBot, running_testbot

EXPECTED = "expected a server VMID (e.g. 101, or cluster/101) or its name (e.g. web1)"
USAGE = "usage: /server status <vm>"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("0101", "a VMID has no leading zeros — did you mean 101?"),
        ("+101", "a VMID has no sign — did you mean 101?"),
        ("-101", "a VMID has no sign — did you mean 101?"),
        ("'101 '", "a server reference has no spaces — did you mean 101?"),
        ("'101;x'", "a VMID is digits 0-9 only — did you mean 101?"),
        ("\uff11\uff10\uff11", "a VMID is digits 0-9 only — did you mean 101?"),
        ("99", "a VMID is a number from 100 to 999999999"),
        ("1234567890", "a VMID is a number from 100 to 999999999"),
        ("Default/101", "a cluster is a lowercase name (letters, digits, -) — did you mean "
                        "default/101?"),
        ("default/0101", "a VMID has no leading zeros — did you mean default/101?"),
        ("default/web1", "a cluster is followed by a VMID, not a name — did you mean web1?"),
    ],
)  # fmt: skip
def test_malformed_references_are_refused_with_the_nearest_valid_form(
    testbot: TestBot, typed: str, why: str
) -> None:
    shown = typed.strip("'")  # the quotes only keep the words together
    reply = testbot.send("alice", f"/server status {typed}")
    assert reply.text == f"vm: {EXPECTED}; got {shown!r}: {why}\n{USAGE}"
    assert testbot.jobs_created() == 0
    assert testbot.calls == []


def test_the_configured_cluster_may_prefix_a_vmid(testbot: TestBot) -> None:
    assert "queued" in testbot.send("alice", "/server status default/101").text
    assert "queued" in testbot.send("alice", "/server status 101").text
    assert [job.vmid for job in testbot.requests().values()] == [101, 101]


def test_another_cluster_is_refused(testbot: TestBot) -> None:
    reply = testbot.send("alice", "/server status eu2/101")
    assert reply.text == (
        "server eu2/101: there is no cluster eu2 (this one is default) — did you mean 101?"
    )
    assert testbot.jobs_created() == 0


def test_a_named_cluster_is_the_one_in_references(testbot_redis: redis.Redis) -> None:
    """The bot and its worker serve the cluster eu1, as a deployment setting
    JOTUNHEIM_CLUSTER_NAME=eu1 has them (the worker's setting is known only by that name)."""
    policy, worker = {"cluster_name": "eu1"}, {"JOTUNHEIM_CLUSTER_NAME": "eu1"}
    with running_testbot(testbot_redis, new_prefix(), policy=policy, worker=worker) as bot:
        assert bot.worker.cluster == "eu1"
        reply = bot.send("alice", "/server status default/101")
        assert reply.text.startswith("server default/101: there")
        assert bot.send("alice", "/server status 0101").text.startswith(
            f"vm: {EXPECTED}; got '0101'"
        )
        assert bot.jobs_created() == 0
        assert "queued" in bot.send("alice", "/server status eu1/101").text


def test_a_foreign_server_with_a_cluster_is_not_found_like_a_missing_one(
    testbot: TestBot,
) -> None:
    assert testbot.send("alice", "/server status default/103").text == (
        "server default/103 not found"
    )
    assert testbot.send("alice", "/server status default/999").text == (
        "server default/999 not found"
    )
