"""Through the Slack kit (the real bolt App in front of the testbot: the real handler on the
suite's redis-server and the real RQ queues): a customer's resize needs approval; the
admin's click enqueues exactly one job however often Slack delivers it or people click."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from bot.ports.invocation import Identity
from tests.support.slack_api import ADMIN_CHANNEL, TEAM, Call
from tests.support.slackbot import USER_IDS, SlackKit, running_slackbot


@pytest.fixture
def slack(testbot_redis: redis.Redis) -> Iterator[SlackKit]:
    with running_slackbot(testbot_redis, f"slack-{uuid.uuid4().hex[:10]}") as kit:
        yield kit


def posted_to(slack: SlackKit, channel: str) -> list[tuple[Call, str]]:
    """The messages posted to ``channel``, each with the ``ts`` Slack answered it with."""
    return [
        (call, str(answer.body["ts"]))
        for call, answer in slack.api.answered
        if call.method == "chat.postMessage" and call.body["channel"] == channel
    ]


def request_approval(slack: SlackKit) -> str:
    """Alice's resize of her 4 GiB server 101; returns the ts of the approval request."""
    slack.send("alice", "/server resize 101 memory=8G")
    [(_, ts)] = posted_to(slack, ADMIN_CHANNEL)
    return ts


def test_customer_resize_acks_privately_and_asks_the_admin_channel(slack: SlackKit) -> None:
    request_approval(slack)

    [ack] = slack.acked
    assert ack["response_type"] == "ephemeral"
    assert "needs an admin" in ack["text"]
    posted, card = slack.api.calls_to("chat.postMessage")
    assert posted.body["channel"] == ADMIN_CHANNEL
    assert card.body["channel"] == slack.room("alice")  # the requester's card, waiting
    assert "Waiting for an admin" in str(card.body["blocks"])
    approve, deny = posted.body["blocks"][-1]["elements"]
    assert approve["action_id"].endswith(":approve")
    assert deny["action_id"].endswith(":deny")
    assert approve["value"] == deny["value"]
    assert "memory 4 → 8 GiB" in str(posted.body["blocks"])
    assert slack.core.jobs_created() == 0


def test_admin_approval_enqueues_once_whatever_is_clicked_or_redelivered(
    slack: SlackKit,
) -> None:
    ts = request_approval(slack)

    slack.press("boss", "approve")
    slack.redeliver()  # Slack retries boss's click: the same trigger id
    slack.press("root", "approve", stale=True)  # root's client still showed the buttons

    assert slack.core.jobs_created() == 1
    [update] = slack.api.calls_to("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (ADMIN_CHANNEL, ts)
    assert update.body["text"].startswith("Approved by")
    assert all(block["type"] != "actions" for block in update.body["blocks"])
    told = [c.body["text"] for c in slack.api.calls_to("chat.postEphemeral")]
    assert len(told) == 3, told
    assert all("already approved" in text for text in told[1:])
    assert len(posted_to(slack, slack.room("alice"))) == 1  # the requester hears it once


def test_non_admin_cannot_approve(slack: SlackKit) -> None:
    request_approval(slack)
    slack.join("alice", ADMIN_CHANNEL)  # being in the admin channel makes no one an admin
    slack.press("alice", "approve")

    assert slack.core.jobs_created() == 0
    assert slack.api.calls_to("chat.update") == []
    [refusal] = slack.api.calls_to("chat.postEphemeral")
    assert refusal.body["user"] == USER_IDS["alice"]
    assert "only admins" in refusal.body["text"]


DIRECT_MESSAGES = {
    "group DM": ("G0MPDM0001", "mpdm-boss--root-1"),
    "DM": ("D0DM000001", "directmessage"),
}


@pytest.mark.parametrize("where", DIRECT_MESSAGES)
def test_admin_commands_are_refused_in_direct_and_group_messages(
    slack: SlackKit, where: str
) -> None:
    slack.send("boss", "/admin node list", conversation=DIRECT_MESSAGES[where])

    [ack] = slack.acked
    assert ack["text"] == "/admin node list cannot be used in a direct message"


def test_admin_commands_answer_in_a_private_channel(slack: SlackKit) -> None:
    slack.send("boss", "/admin node list", conversation=("G0PRIVATE1", "ops-private"))

    [ack] = slack.acked
    assert ack["text"] == "3 node(s)"  # the demo fleet's servers sit on its three nodes


def account_of(slack: SlackKit, user_id: str) -> str | None:
    identity = Identity(platform="slack", workspace=TEAM, user=user_id)
    return slack.core.handler.stores.identities.account_of(identity)


def test_an_admin_links_and_unlinks_the_user_they_mention(slack: SlackKit) -> None:
    slack.deliver("boss", "/admin", "link <@UCAROL|carol> acme")  # as Slack sends it
    assert account_of(slack, "UCAROL") == "acme"
    assert slack.acked[-1]["text"] == "linked <@UCAROL> to account acme"  # Slack shows the name

    slack.deliver("boss", "/admin", "unlink <@UCAROL>")  # a mention without its name
    assert account_of(slack, "UCAROL") is None

    slack.send("boss", "/admin link @gina acme")  # typed; the kit escapes it as Slack does
    assert account_of(slack, USER_IDS["gina"]) == "acme"


def test_links_e_mail_and_entities_in_an_argument_arrive_as_typed(slack: SlackKit) -> None:
    note = (
        "<mailto:ops@example.com|ops@example.com> &amp; <https://wiki.example.com/x|wiki> "
        "&lt;3 <#C0123|ops> <@UBOSS|boss>"
    )
    slack.deliver("alice", "/server", f'backup create 101 note="{note}"')

    [request] = slack.core.requests().values()
    assert request.args["note"] == "ops@example.com & wiki <3 #ops @boss"
