"""The one server reference: ``[cluster/]VMID`` (VMID 100-999999999, no leading zeros) or
a name. Anything else is refused with the usage and the nearest valid form."""

from __future__ import annotations

import pytest
import redis

from tests.commands.conftest import World, make_world, settings

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
    world: World, typed: str, why: str
) -> None:
    shown = typed.strip("'")  # the quotes only keep the words together
    reply = world.say("alice", f"status {typed}")
    assert reply.text == f"vm: {EXPECTED}; got {shown!r}: {why}\n{USAGE}"
    assert world.queue.submitted == []


def test_the_configured_cluster_may_prefix_a_vmid(world: World) -> None:
    assert "queued" in world.say("alice", "status default/101").text
    assert "queued" in world.say("alice", "status 101").text
    assert [job.vmid for job in world.queue.submitted] == [101, 101]


def test_another_cluster_is_refused(world: World) -> None:
    reply = world.say("alice", "status eu2/101")
    assert reply.text == (
        "server eu2/101: there is no cluster eu2 (this one is default) — did you mean 101?"
    )
    assert world.queue.submitted == []


def test_a_named_cluster_is_the_one_in_references(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    world = make_world(redis_client, key_prefix, settings(cluster_name="eu1"))
    assert world.say("alice", "status default/101").text.startswith("server default/101: there")
    assert world.say("alice", "status 0101").text.startswith(f"vm: {EXPECTED}; got '0101'")
    assert world.queue.submitted == []


def test_a_foreign_server_with_a_cluster_is_not_found_like_a_missing_one(world: World) -> None:
    assert world.say("alice", "status default/201").text == "server default/201 not found"
    assert world.say("alice", "status default/999").text == "server default/999 not found"
