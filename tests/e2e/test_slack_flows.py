"""The core flows through Slack as Slack delivers them: signed slash commands and
block_actions clicks through the real bolt App, the real handler on the testbot's Redis, the
real RQ worker running the Actions against the simulator, and every message through the
real Slack notifier to the mock Web API. Admins approve by clicking the posted approval
message."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.e2e.flows import FLOWS, delivered_password, run_flow
from tests.support.conversation import approver_for
from tests.support.slack_api import ADMIN_CHANNEL
from tests.support.slackbot import USER_IDS, SlackKit, running_slackbot


@pytest.fixture
def slack(testbot_redis: redis.Redis) -> Iterator[SlackKit]:
    with running_slackbot(testbot_redis, f"slack-{uuid.uuid4().hex[:10]}") as kit:
        yield kit


@pytest.mark.parametrize("name", FLOWS)
def test_core_flow_works_from_slack(slack: SlackKit, name: str) -> None:
    run_flow(slack, FLOWS[name])


def test_the_password_is_shown_only_to_the_requester(slack: SlackKit) -> None:
    run = run_flow(slack, FLOWS["password"])

    secret = delivered_password(run)
    # It replaces alice's own ephemeral answer through the command's response URL.
    [private] = [c for c in slack.api.calls if secret in str(c.body)]
    assert private.method.startswith("/response/cmd-")
    assert (private.body["response_type"], private.body["replace_original"]) == ("ephemeral", True)
    assert secret not in private.body["text"]  # the notification text shows on lock screens
    assert all(secret not in payload for payload in slack.public_payloads())


def test_the_admin_approves_by_clicking_the_posted_request(slack: SlackKit) -> None:
    run_flow(slack, FLOWS["resize"])

    [asked] = [
        c for c in slack.api.calls_to("chat.postMessage") if c.body["channel"] == ADMIN_CHANNEL
    ]
    [decided] = [c for c in slack.api.calls_to("chat.update") if c.body["channel"] == ADMIN_CHANNEL]
    assert any(b["type"] == "actions" for b in asked.body["blocks"])
    # The admins are notified: their user group is mentioned, as Slack writes a mention.
    assert asked.body["blocks"][0]["text"]["text"].startswith("<!subteam^SADMINS> ")
    assert decided.body["text"].startswith("Approved by")
    assert all(b["type"] != "actions" for b in decided.body["blocks"])
    # The approver hears privately what the click did.
    admin = USER_IDS[approver_for("alice")]
    told = [
        c.body["text"] for c in slack.api.calls_to("chat.postEphemeral") if c.body["user"] == admin
    ]
    assert any("queued" in text for text in told), told
