"""The core flows through Discord as Discord delivers them: interactions through the real
discord.py command tree generated from the registry and clicks through the client's view
store, the real handler on the testbot's Redis, the real RQ worker running the Actions
against the simulator, and every later message through the real REST notifier to the mock
Discord API. Admins (by role) approve by clicking the posted approval message."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.e2e.flows import FLOWS, delivered_password, run_flow
from tests.support.discord_fakes import ADMIN_CHANNEL, ADMIN_ROLE
from tests.support.discordbot import DiscordKit, running_discordbot


@pytest.fixture
def discord_kit(testbot_redis: redis.Redis) -> Iterator[DiscordKit]:
    with running_discordbot(testbot_redis, f"discord-{uuid.uuid4().hex[:10]}") as kit:
        yield kit


@pytest.mark.parametrize("name", FLOWS)
def test_core_flow_works_from_discord(discord_kit: DiscordKit, name: str) -> None:
    run_flow(discord_kit, FLOWS[name])


def test_the_password_replaces_the_commands_ephemeral_answer(discord_kit: DiscordKit) -> None:
    run = run_flow(discord_kit, FLOWS["password"])

    secret = delivered_password(run)
    [private] = [c for c in discord_kit.api.calls if secret in str(c.body)]
    # Through the token of alice's /server password interaction: its ephemeral answer, edited.
    (command,) = [i for i in discord_kit.interactions if private.path.split("/")[5] == i.token]
    assert (private.method, private.path.endswith("/messages/@original")) == ("PATCH", True)
    (answer,) = [s for s in command.sent if s.method != "defer"]
    assert answer.kwargs.get("ephemeral") is True
    assert all(secret not in payload for payload in discord_kit.public_payloads())


def test_the_admin_approves_by_clicking_the_posted_request(discord_kit: DiscordKit) -> None:
    run_flow(discord_kit, FLOWS["resize"])

    admin_channel = [
        s for s in discord_kit.seen("boss") if s.channel == str(ADMIN_CHANNEL) and s.how != "reply"
    ]
    asked, decided = admin_channel
    assert asked.how == "post"
    assert [b.action for b in asked.reply.buttons] == ["approve", "deny"]
    # The admins are notified: their role is mentioned, and only that role may be pinged.
    [posted] = [
        c for c in discord_kit.api.calls if c.path.endswith(f"/channels/{ADMIN_CHANNEL}/messages")
    ]
    assert posted.body["content"].startswith(f"<@&{ADMIN_ROLE}> ")
    assert posted.body["allowed_mentions"] == {"users": [], "roles": [str(ADMIN_ROLE)]}
    # The click's own response edits the request: decided, its buttons greyed out.
    assert (decided.how, decided.message) == ("edit", asked.message)
    assert decided.text.startswith("Approved by")
    assert decided.reply.buttons == ()
