"""Every per-server Redis record carries the cluster's name (``JOTUNHEIM_CLUSTER_NAME``),
so a second cluster can be added without re-keying: the inventory, busy locks and VMID
reservations, written and read alike by the bot and the workers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.ports.notify import ReplyTarget
from jobs.queue import JobRequest
from jobs.state.inventory import Inventory, InventoryEntry
from jobs.state.locks import BusyInfo, BusyLocks
from jobs.state.reservations import RedisVmidReservations
from tests.reliability.helpers import busy_locks, fresh_prefix, job_id_of, run_chain
from tests.support.testbot import TestBot, room, running_testbot


def keys(client: redis.Redis, prefix: str) -> set[str]:
    return {k.decode() for k in client.scan_iter(match=f"{prefix}:*", count=1000)}


def test_the_key_layout_names_the_cluster(redis_client: redis.Redis, key_prefix: str) -> None:
    p = key_prefix
    entry = InventoryEntry(vmid=101, node="pve1", name="web1", owner="acme")
    Inventory(redis_client, prefix=p, cluster="eu1").replace_all([entry], now=1.0)
    holder = BusyInfo(job_id="j1", kind="server.resize", requester="u", since=1.0)
    assert BusyLocks(redis_client, prefix=p, cluster="eu1").acquire(101, holder, 60) is None
    assert RedisVmidReservations(redis_client, prefix=p, cluster="eu1").reserve(105, "j2")

    assert keys(redis_client, p) == {
        f"{p}:inv:eu1:vm:101", f"{p}:inv:eu1:vmids", f"{p}:inv:eu1:labels",
        f"{p}:inv:eu1:owner:acme", f"{p}:inv:eu1:owners", f"{p}:inv:eu1:synced",
        f"{p}:inv:eu1:version", f"{p}:busy:eu1:101", f"{p}:vmid:eu1:105",
    }  # fmt: skip
    assert Inventory(redis_client, prefix=p, cluster="eu1").get(101) == entry.model_copy(
        update={"cluster": "eu1"}
    )
    # Another cluster's VM 101 is another server.
    assert Inventory(redis_client, prefix=p, cluster="us1").get(101) is None
    assert BusyLocks(redis_client, prefix=p, cluster="us1").holder(101) is None
    assert RedisVmidReservations(redis_client, prefix=p, cluster="us1").holder(105) is None


def test_a_full_sync_removes_the_layout_before_clusters(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    p = key_prefix
    redis_client.set(f"{p}:inv:vm:101", "{}")
    redis_client.sadd(f"{p}:inv:vmids", 101)
    redis_client.sadd(f"{p}:inv:owners", "acme")
    redis_client.sadd(f"{p}:inv:owner:acme", 101)
    redis_client.hset(f"{p}:inv:labels", "101", "web1")
    redis_client.hset(f"{p}:inv:names", "web1", "101")
    redis_client.set(f"{p}:inv:synced", "1.0")
    entry = InventoryEntry(vmid=102, node="pve1", name="db1")
    Inventory(redis_client, prefix=p).replace_all([entry], now=2.0)

    assert {k for k in keys(redis_client, p) if not k.startswith(f"{p}:inv:default:")} == set()


@pytest.fixture
def eu1(testbot_redis: redis.Redis) -> Iterator[TestBot]:
    """A testbot whose bot and worker both serve cluster eu1 (each reads
    JOTUNHEIM_CLUSTER_NAME: the bot's policy as ``cluster_name``, the worker's settings
    only under that variable's name)."""
    policy, worker = {"cluster_name": "eu1"}, {"JOTUNHEIM_CLUSTER_NAME": "eu1"}
    with running_testbot(testbot_redis, fresh_prefix(), policy=policy, worker=worker) as bot:
        assert (bot.worker.cluster, bot.handler.policy.settings.cluster_name) == ("eu1", "eu1")
        yield bot


def test_bot_and_workers_share_the_named_clusters_keys(eu1: TestBot) -> None:
    bot, p = eu1, eu1.prefix
    assert f"{p}:inv:eu1:vm:101" in keys(bot.client, p)  # the worker's sync wrote it
    assert not any(k.startswith(f"{p}:inv:default") for k in keys(bot.client, p))

    reply = bot.send("alice", "/server status eu1/101")
    assert run_chain(bot, job_id_of(bot, reply)).status == "succeeded"

    # A lock in eu1's key stops the bot (ack path) and the worker (preflight) alike.
    holder = BusyInfo(job_id="other", kind="server.resize", requester="u", since=bot.clock.now())
    assert busy_locks(bot).acquire(102, holder, 60) is None
    assert f"{p}:busy:eu1:102" in keys(bot.client, p)
    refused = bot.send("alice", "/server start 102")
    assert refused.text.startswith("server 102 is busy: resize started by u")
    target = ReplyTarget(platform="console", workspace="console", channel=room("boss"),
                         requester="boss")  # fmt: skip
    past_the_ack = JobRequest(
        kind="server.power", vmid=102, args={"vmid": 102, "action": "start"}, target=target,
        requested_by="console:console:boss", inbound_id=f"{p}-past-the-ack",
    )  # fmt: skip
    state = run_chain(bot, bot.handler.jobs.queue.submit(past_the_ack).job_id)
    assert state.status == "failed"
    assert str(state.error).startswith("server 102 is busy: resize")
    assert bot.sim.vms[102].status == "stopped"
