"""The Discord bot process's command handler never waits for Discord's REST API: approval
requests are posted after the interaction is answered, even while Discord rate-limits."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis
from pydantic import SecretStr

from bot.adapters.after_ack import Followups
from bot.adapters.discord.cli import compose_handler
from bot.adapters.discord.settings import DiscordRestSettings
from bot.adapters.discord.tokens import InteractionTokens
from bot.ports.invocation import Identity, Invocation
from bot.settings.policy import PolicySettings
from bot.store.identities import IdentityStore
from jobs.state.inventory import Inventory, InventoryEntry
from tests.support.discord_api import APP_ID, BOT_TOKEN, MockDiscordApi, Scripted

CUSTOMER = Identity(platform="discord", workspace="1111", user="42")
ADMIN_CHANNEL = "777"


@pytest.fixture
def api() -> Iterator[MockDiscordApi]:
    server = MockDiscordApi()
    server.start()
    yield server
    server.stop()


def test_approval_post_waits_for_discord_after_the_answer(
    api: MockDiscordApi, redis_client: redis.Redis, key_prefix: str
) -> None:
    rest = DiscordRestSettings(
        bot_token=SecretStr(BOT_TOKEN), application_id=APP_ID, api_base=api.base
    )
    policy = PolicySettings(admin_channel_discord=ADMIN_CHANNEL, redis_prefix=key_prefix)
    IdentityStore(redis_client, prefix=key_prefix).link(CUSTOMER, "acme")
    Inventory(redis_client, prefix=key_prefix).replace_all(
        [InventoryEntry(vmid=101, node="pve1", name="web1", owner="acme")], now=1.0
    )
    tokens = InteractionTokens(redis_client, prefix=key_prefix)
    followups = Followups(workers=1)
    handler = compose_handler(rest, policy, redis_client, tokens, followups)
    api.script(Scripted(429, {"retry_after": 1.0}))  # Discord asks for a one-second wait
    invocation = Invocation(
        identity=CUSTOMER,
        display_name="cust",
        channel="3333",
        scope="server",
        text="resize 101 cpu=4",
        inbound_id="interaction-1",
    )
    started = time.monotonic()
    reply = handler.handle(invocation)
    answered_in = time.monotonic() - started
    try:
        assert "needs an admin's approval" in reply.text
        assert answered_in < 0.5
        followups.wait(timeout=10)
    finally:
        followups.shutdown()
    posted = [m for m in api.messages.values() if m["channel_id"] == ADMIN_CHANNEL]
    assert len(posted) == 1
    assert posted[0]["content"].startswith("Approval request ")
