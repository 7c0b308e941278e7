"""End to end on the bot side, through the Discord kit (the real discord.py tree in front of
the testbot: the real handler on the suite's redis-server and the real RQ queues): the
approval posted through the REST notifier to the mock Discord API, and the posted buttons
clicked through a freshly started client's view store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
import redis

from bot.adapters.discord.bot import JotunheimBot
from bot.adapters.discord.catalog import default_specs
from bot.ports.invocation import Identity
from jobs.config import PRIORITIES
from jobs.queue import JobRequest, rq_queue
from tests.support.discord_api import APP_ID
from tests.support.discord_fakes import GUILD, run_autocomplete
from tests.support.discordbot import (
    ROOMS,
    USER_IDS,
    DiscordKit,
    Picked,
    member,
    run_command_picking,
    running_discordbot,
)


@pytest.fixture
def kit(testbot_redis: redis.Redis) -> Iterator[DiscordKit]:
    with running_discordbot(testbot_redis, f"discord-{uuid.uuid4().hex[:10]}") as running:
        yield running


def queued(kit: DiscordKit) -> list[JobRequest]:
    """What the handler put on the RQ queues (the worker has not run)."""
    queues = [rq_queue(kit.core.client, kit.core.worker.settings, p) for p in PRIORITIES]
    return [JobRequest.model_validate(job.args[0]) for q in queues for job in q.get_jobs()]


def test_resize_asks_admins_and_one_approval_enqueues_once(kit: DiscordKit) -> None:
    kit.send("alice", "/server resize 101 memory=8G")
    [ack] = kit.interactions[-1].sent
    assert ack.method == "send_message"
    assert ack.kwargs["ephemeral"] is True
    assert "approval" in ack.text.lower(), ack.text
    assert queued(kit) == []
    # The interaction token waits in Redis (with a TTL) for a private follow-up, not in a job.
    token_key = f"{kit.core.prefix}:dc:itok:{ROOMS['alice']}:{USER_IDS['alice']}"
    assert kit.core.client.ttl(token_key) > 0
    [approval] = [m for m in kit.api.messages.values() if m["channel_id"] == kit.admin_channel]
    # As after a restart: the new client knows the registered button classes, no old view.
    kit.bot = JotunheimBot(
        kit.bot.gateway, default_specs(), application_id=APP_ID, guild_ids=[GUILD]
    )

    kit.join("gina", kit.admin_channel)  # being in the admin channel makes no one an admin
    kit.press("gina", "approve")
    [refused] = kit.interactions[-1].sent
    assert queued(kit) == []
    assert refused.kwargs["ephemeral"] is True
    assert "only admins" in refused.text

    kit.press("boss", "approve")
    [job] = queued(kit)
    assert (job.kind, job.vmid, job.account) == ("server.resize", 101, "acme")
    edit = kit.interactions[-1].sent[0]
    assert edit.method == "edit_message"
    assert "approved" in edit.text.lower()
    assert all(b.disabled for b in edit.kwargs["view"].children)

    kit.press("boss", "approve", stale=True)  # a double click, before the edit showed
    assert len(queued(kit)) == 1
    again = kit.interactions[-1].sent[0]
    assert again.method == "send_message"
    assert again.kwargs["ephemeral"] is True
    assert approval["id"] in kit.api.messages


def test_autocomplete_through_dispatcher_shows_only_own_servers(kit: DiscordKit) -> None:
    def offered(user: str, typed: str) -> list[str]:
        done = asyncio.run(
            run_autocomplete(kit.bot, "server", ["status"], {"vm": typed}, "vm", user=member(user))
        )
        return sorted(c.value for c in done.sent[0].kwargs["choices"])

    assert offered("alice", "") == ["101", "102"]
    assert offered("boss", "glo") == ["103"]  # an admin finds anyone's server by name


def test_someone_elses_server_looks_nonexistent(kit: DiscordKit) -> None:
    kit.send("alice", "/server status 103")  # gina's
    kit.send("alice", "/server status 999")
    theirs, nothing = (i.sent[0].text for i in kit.interactions)

    assert kit.core.jobs_created() == 0
    assert theirs.replace("103", "N") == nothing.replace("999", "N")


def account_of(kit: DiscordKit, user_id: int) -> str | None:
    identity = Identity(platform="discord", workspace=str(GUILD), user=str(user_id))
    return kit.core.handler.stores.identities.account_of(identity)


def test_an_admin_links_and_unlinks_the_member_they_pick(kit: DiscordKit) -> None:
    kit.send("boss", "/admin link gina acme")  # gina picked in the user option
    assert account_of(kit, USER_IDS["gina"]) == "acme"
    assert (
        kit.interactions[-1].sent[0].text
        == f"linked <@{USER_IDS['gina']}> to account acme"  # Discord shows the name
    )

    carol = Picked(77, "carol", resolved=False)  # Discord sent the id alone
    values = {"user": carol, "account": "globex"}
    asyncio.run(run_command_picking(kit.bot, "admin", ["link"], values, user=member("boss")))
    assert account_of(kit, 77) == "globex"

    kit.send("boss", "/admin unlink gina")
    assert account_of(kit, USER_IDS["gina"]) is None
