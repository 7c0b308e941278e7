"""End to end on the bot side: the real dispatcher on real Redis (db 15, own prefix), the
approval posted through the Discord REST notifier to a local mock Discord API, and the
posted buttons clicked through a freshly started client's view store."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import httpx
import pytest
import redis
from pydantic import SecretStr

from bot.adapters.discord.bot import JotunheimBot
from bot.adapters.discord.catalog import default_specs
from bot.adapters.discord.gateway import Gateway
from bot.adapters.discord.notifier import DiscordNotifier
from bot.adapters.discord.tokens import InteractionTokens
from bot.compose import build_handler
from bot.identity import IdentityStore
from bot.invocation import Identity
from bot.settings.policy import PolicySettings
from jobs.api import JobRequest, Submitted
from jobs.inventory import Inventory, InventoryEntry
from tests.support.discord_api import APP_ID, BOT_TOKEN, MockDiscordApi
from tests.support.discord_fakes import (
    ADMIN_CHANNEL,
    ADMIN_ROLE,
    GUILD,
    FakeMember,
    FakeMessage,
    click,
    run_autocomplete,
    run_command,
)

CUSTOMER = FakeMember(42, "cust")
ADMIN = FakeMember(7, "boss", roles=(ADMIN_ROLE,))
STRANGER = FakeMember(8, "nobody")


class RecordingQueue:
    """A ``JobQueue`` that enqueues once per inbound id, like the RQ one."""

    def __init__(self) -> None:
        self.submitted: list[JobRequest] = []
        self._lock = threading.Lock()

    def submit(self, request: JobRequest) -> Submitted:
        with self._lock:
            duplicate = any(r.inbound_id == request.inbound_id for r in self.submitted)
            if not duplicate:
                self.submitted.append(request)
            return Submitted(job_id=f"job-{request.inbound_id}", duplicate=duplicate)


@pytest.fixture
def api() -> Iterator[MockDiscordApi]:
    server = MockDiscordApi()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def bot(
    api: MockDiscordApi, queue: RecordingQueue, redis_client: redis.Redis, key_prefix: str
) -> JotunheimBot:
    settings = PolicySettings(
        admin_roles_discord=frozenset({str(ADMIN_ROLE)}),
        admin_channel_discord=str(ADMIN_CHANNEL),
        redis_prefix=key_prefix,
    )
    tokens = InteractionTokens(redis_client, prefix=key_prefix)
    notifier = DiscordNotifier(
        httpx.Client(timeout=5),
        bot_token=SecretStr(BOT_TOKEN),
        application_id=APP_ID,
        api_base=api.base,
        tokens=tokens,
    )
    handler = build_handler(redis_client, notifier, queue, settings=settings)
    IdentityStore(redis_client, prefix=key_prefix).link(
        Identity(platform="discord", workspace=str(GUILD), user="42"), "acme"
    )
    Inventory(redis_client, prefix=key_prefix).replace_all(
        [
            InventoryEntry(vmid=101, node="pve1", name="web1", owner="acme", memory_mib=4096),
            InventoryEntry(vmid=102, node="pve1", name="db1", owner="acme"),
            InventoryEntry(vmid=201, node="pve1", name="shop", owner="globex"),
        ],
        now=1.0,
    )
    gateway = Gateway(handler, guild_ids=[GUILD], defer_after=1.5, tokens=tokens)
    return JotunheimBot(gateway, default_specs(), application_id=APP_ID, guild_ids=[GUILD])


def approval_message(api: MockDiscordApi) -> tuple[str, FakeMessage]:
    [posted] = [m for m in api.messages.values() if m["channel_id"] == str(ADMIN_CHANNEL)]
    return posted["id"], FakeMessage(int(posted["id"]), posted["components"])


def test_resize_asks_admins_and_one_approval_enqueues_once(
    bot: JotunheimBot,
    api: MockDiscordApi,
    queue: RecordingQueue,
    redis_client: redis.Redis,
    key_prefix: str,
) -> None:
    asked = asyncio.run(
        run_command(bot, "server", ["resize"], {"vm": "101", "memory": "8G"}, user=CUSTOMER)
    )
    [ack] = asked.sent
    assert ack.method == "send_message"
    assert ack.kwargs["ephemeral"] is True
    assert "approval" in ack.text.lower(), ack.text
    assert queue.submitted == []
    # The interaction token waits in Redis (with a TTL) for a private follow-up, not in a job.
    assert redis_client.ttl(f"{key_prefix}:dc:itok:3333:42") > 0

    message_id, message = approval_message(api)
    approve = next(
        c.custom_id
        for row in message.components
        for c in row.children
        if isinstance(c, __import__("discord").Button) and c.label == "Approve"
    )
    restarted = JotunheimBot(bot.gateway, default_specs(), application_id=APP_ID, guild_ids=[GUILD])

    refused = asyncio.run(click(restarted, message, approve, user=STRANGER))
    assert queue.submitted == []
    assert refused.sent[0].kwargs["ephemeral"] is True
    assert "only admins" in refused.sent[0].text

    first = asyncio.run(click(restarted, message, approve, user=ADMIN))
    [job] = queue.submitted
    assert (job.kind, job.vmid, job.account) == ("server.resize", 101, "acme")
    edit = first.sent[0]
    assert edit.method == "edit_message"
    assert "approved" in edit.text.lower()
    assert all(b.disabled for b in edit.kwargs["view"].children)

    second = asyncio.run(click(restarted, message, approve, user=ADMIN))
    assert len(queue.submitted) == 1
    assert second.sent[0].method == "send_message"
    assert second.sent[0].kwargs["ephemeral"] is True
    assert message_id in api.messages


def test_autocomplete_through_dispatcher_shows_only_own_servers(bot: JotunheimBot) -> None:
    customer = asyncio.run(
        run_autocomplete(bot, "server", ["status"], {"vm": ""}, "vm", user=CUSTOMER)
    )
    assert sorted(c.value for c in customer.sent[0].kwargs["choices"]) == ["101", "102"]
    admin = asyncio.run(run_autocomplete(bot, "server", ["status"], {"vm": "sh"}, "vm", user=ADMIN))
    assert [c.value for c in admin.sent[0].kwargs["choices"]] == ["201"]


def test_someone_elses_server_looks_nonexistent(bot: JotunheimBot, queue: RecordingQueue) -> None:
    theirs = asyncio.run(run_command(bot, "server", ["status"], {"vm": "201"}, user=CUSTOMER))
    nothing = asyncio.run(run_command(bot, "server", ["status"], {"vm": "999"}, user=CUSTOMER))
    assert queue.submitted == []
    assert theirs.sent[0].text.replace("201", "N") == nothing.sent[0].text.replace("999", "N")
