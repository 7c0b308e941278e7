"""Through the real command handler (bot.compose.build_handler) on real Redis (db 15, own key
prefix) and the real RQ job queue: a customer's resize needs approval; the admin's click
enqueues exactly one job however often Slack delivers it or people click."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import pytest
import redis

from bot.adapters.after_ack import AfterAck, Followups
from bot.adapters.slack.app import SlackApp, build_app
from bot.adapters.slack.notifier import SlackNotifier, build_client
from bot.compose import build_handler
from bot.dispatch import Dispatcher
from bot.invocation import Identity
from bot.settings.policy import PolicySettings
from jobs.config import JobSettings
from jobs.inventory import Inventory, InventoryEntry
from jobs.queue import RqJobQueue, rq_queue
from tests.support import slack_api
from tests.support.slack_api import ADMIN_CHANNEL, TEAM, MockSlackApi

GiB = 1024**3


@dataclass
class World:
    app: SlackApp
    api: MockSlackApi
    handler: Dispatcher
    deferred: Followups
    jobs: JobSettings
    client: redis.Redis

    def send(self, body: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        result = slack_api.dispatch(
            self.app.bolt, body, slack_api.signed_headers(body) if headers is None else headers
        )
        self.app.followups.wait()
        self.deferred.wait()
        return result

    def queued(self) -> int:
        return sum(
            len(rq_queue(self.client, self.jobs, p).job_ids) for p in ("high", "default", "low")
        )


@pytest.fixture
def world(redis_client: redis.Redis, key_prefix: str) -> Iterator[World]:
    policy = PolicySettings(
        _env_file=None,
        admins_slack=frozenset({"UADMIN", "UADMIN2"}),
        admin_channel_slack=ADMIN_CHANNEL,
        redis_prefix=key_prefix,
    )
    jobs = JobSettings(prefix=key_prefix)
    with MockSlackApi() as api:
        notifier = SlackNotifier(build_client(slack_api.BOT_TOKEN, api.base_url))
        deferred = Followups(workers=1)
        queue = RqJobQueue(redis_client, settings=jobs)
        handler = build_handler(redis_client, AfterAck(notifier, deferred), queue, settings=policy)
        _seed(handler, Inventory(redis_client, prefix=key_prefix))
        app = build_app(handler, slack_api.settings(api), notifier=notifier)
        yield World(app, api, handler, deferred, jobs, redis_client)
        app.followups.shutdown()
        deferred.shutdown()
    rq_keys = list(redis_client.scan_iter(match=f"*{key_prefix}*", count=500))
    if rq_keys:
        redis_client.delete(*rq_keys)


def _seed(handler: Dispatcher, inventory: Inventory) -> None:
    web1 = InventoryEntry(
        vmid=101,
        node="pve1",
        name="web1",
        status="running",
        owner="acme",
        cores=2,
        memory_mib=4096,
        disk_bytes=20 * GiB,
    )
    inventory.replace_all([web1], now=1.0)
    handler.stores.identities.link(Identity(platform="slack", workspace=TEAM, user="UCUST"), "acme")


def request_approval(world: World) -> tuple[str, str]:
    """The customer's resize; returns (approval id, ts of the admin-channel message)."""
    status, _ = world.send(slack_api.command_body("resize 101 memory=8G", user="UCUST"))
    assert status == 200
    [posted] = world.api.calls_to("chat.postMessage")
    approve = posted.body["blocks"][-1]["elements"][0]
    ts = "1700000000.000001"
    return str(approve["value"]), ts


def test_customer_resize_acks_privately_and_asks_the_admin_channel(world: World) -> None:
    status, body = world.send(slack_api.command_body("resize 101 memory=8G", user="UCUST"))

    assert status == 200
    assert '"response_type": "ephemeral"' in body
    assert "needs an admin" in body
    [posted] = world.api.calls_to("chat.postMessage")
    assert posted.body["channel"] == ADMIN_CHANNEL
    approve, deny = posted.body["blocks"][-1]["elements"]
    assert approve["action_id"].endswith(":approve")
    assert deny["action_id"].endswith(":deny")
    assert approve["value"] == deny["value"]
    assert "4096" in str(posted.body["blocks"])
    assert "8192" in str(posted.body["blocks"])
    assert world.queued() == 0


def test_admin_approval_enqueues_once_whatever_is_clicked_or_redelivered(world: World) -> None:
    approval_id, ts = request_approval(world)
    approve = "jh:0:approve"
    click = slack_api.action_body(approve, approval_id, user="UADMIN", trigger="t1", message_ts=ts)

    world.send(click)
    world.send(
        slack_api.action_body(approve, approval_id, user="UADMIN2", trigger="t2", message_ts=ts)
    )
    world.send(click, {**slack_api.signed_headers(click), "x-slack-retry-num": "1"})

    assert world.queued() == 1
    [update] = world.api.calls_to("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (ADMIN_CHANNEL, ts)
    assert update.body["text"].startswith("Approved by")
    assert all(block["type"] != "actions" for block in update.body["blocks"])
    told = [c.body["text"] for c in world.api.calls_to("chat.postEphemeral")]
    assert len(told) == 3
    assert all("already approved" in text for text in told[1:])
    requester_news = [
        c for c in world.api.calls_to("chat.postMessage") if c.body["channel"] == "CGENERAL"
    ]
    assert len(requester_news) == 1


def test_non_admin_cannot_approve(world: World) -> None:
    approval_id, ts = request_approval(world)
    world.send(slack_api.action_body("jh:0:approve", approval_id, user="UCUST", message_ts=ts))

    assert world.queued() == 0
    assert world.api.calls_to("chat.update") == []
    [refusal] = world.api.calls_to("chat.postEphemeral")
    assert refusal.body["user"] == "UCUST"
    assert "only admins" in refusal.body["text"]


def command_in(text: str, channel_id: str, channel_name: str) -> str:
    """A /admin command as Slack sends it from the given conversation."""
    fields = dict(parse_qsl(slack_api.command_body(text, command="/admin", user="UADMIN")))
    return urlencode({**fields, "channel_id": channel_id, "channel_name": channel_name})


DIRECT_MESSAGES = {
    "group DM": ("G0MPDM0001", "mpdm-alice--bob-1"),
    "DM": ("D0DM000001", "directmessage"),
}


@pytest.mark.parametrize("where", DIRECT_MESSAGES)
def test_admin_commands_are_refused_in_direct_and_group_messages(world: World, where: str) -> None:
    status, body = world.send(command_in("node list", *DIRECT_MESSAGES[where]))

    assert status == 200
    assert json.loads(body)["text"] == "/admin node list cannot be used in a direct message"


def test_admin_commands_answer_in_a_private_channel(world: World) -> None:
    status, body = world.send(command_in("node list", "G0PRIVATE1", "ops-private"))

    assert status == 200
    assert json.loads(body)["text"] == "1 node(s)"
