"""The bolt App end to end (no network): signed requests through ``App.dispatch``, Web API
calls answered and recorded by a local mock Slack server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from bot.adapters.slack.app import SlackApp, build_app
from bot.adapters.slack.notifier import SlackNotifier, build_client
from bot.ports.invocation import Identity, Invocation
from tests.support import slack_api
from tests.support.fake_handler import APPROVAL_ID, FakeHandler
from tests.support.slack_api import (
    ADMIN_CHANNEL,
    SIGNING_SECRET,
    MockSlackApi,
    action_body,
    command_body,
    settings,
    signed_headers,
)

APPROVE = "jh:0:approval.approve"


@pytest.fixture
def api() -> Iterator[MockSlackApi]:
    with MockSlackApi() as mock:
        yield mock


@pytest.fixture
def handler(api: MockSlackApi) -> FakeHandler:
    notifier = SlackNotifier(build_client("xoxb-test", api.base_url))
    return FakeHandler(admins=frozenset({"UADMIN"}), notifier=notifier, admin_channel=ADMIN_CHANNEL)


@pytest.fixture
def app(api: MockSlackApi, handler: FakeHandler) -> Iterator[SlackApp]:
    built = build_app(handler, settings(api))
    yield built
    built.followups.shutdown()


Response = tuple[int, str]


def dispatch(app: SlackApp, body: str, headers: dict[str, str] | None = None) -> Response:
    response = slack_api.dispatch(
        app.bolt, body, signed_headers(body) if headers is None else headers
    )
    app.followups.wait()
    return response


def ack_json(response: Response) -> dict[str, Any]:
    status, body = response
    assert status == 200, body
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def test_signed_command_reaches_the_handler_and_acks_its_reply_ephemerally(
    app: SlackApp, handler: FakeHandler
) -> None:
    ack = ack_json(dispatch(app, command_body("resize 101 memory=8G")))

    assert ack["response_type"] == "ephemeral"
    assert ack["text"] == "Resize of server 101 sent to the admins for approval."
    assert ack["blocks"][0]["text"]["text"] == ack["text"]
    assert handler.invocations == [
        Invocation(
            identity=Identity(platform="slack", workspace="T0001", user="UCUST"),
            display_name="carol",
            channel="CGENERAL",
            scope="server",
            text="resize 101 memory=8G",
            inbound_id="slack:T0001:trig-1",
        )
    ]


ESCAPED = {
    # what Slack sends (should_escape) → the text the handler gets
    "link <@U0CAROL|carol> acme": "link U0CAROL acme",
    "status <http://web1.example.com|web1.example.com>": "status web1.example.com",
    "backup create 101 note=<mailto:ops@example.com|ops@example.com>": (
        "backup create 101 note=ops@example.com"
    ),
    "backup create 101 note='R&amp;D &lt;3'": "backup create 101 note='R&D <3'",
}


@pytest.mark.parametrize("escaped", ESCAPED)
def test_the_handler_gets_the_text_as_typed_with_mentions_as_ids(
    app: SlackApp, handler: FakeHandler, escaped: str
) -> None:
    ack_json(dispatch(app, command_body(escaped, command="/admin")))

    [invocation] = handler.invocations
    assert invocation.text == ESCAPED[escaped]


BAD_REQUESTS: dict[str, Callable[[str], dict[str, str]]] = {
    "bad signature": lambda body: signed_headers(body, secret="not-the-secret"),
    "stale timestamp": lambda body: signed_headers(body, timestamp=int(time.time()) - 301),
    "missing headers": lambda body: {"content-type": "application/x-www-form-urlencoded"},
}


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_unverifiable_requests_get_401_and_never_reach_the_handler(
    app: SlackApp, handler: FakeHandler, api: MockSlackApi, case: str
) -> None:
    body = command_body("resize 101 memory=8G")
    response = dispatch(app, body, BAD_REQUESTS[case](body))

    assert response[0] == 401
    assert handler.invocations == []
    assert api.calls_to("chat.postMessage") == []


def test_customer_resize_posts_the_approval_to_the_admin_channel_as_block_kit(
    app: SlackApp, api: MockSlackApi
) -> None:
    dispatch(app, command_body("resize 101 memory=8G"))

    [posted] = api.calls_to("chat.postMessage")
    assert posted.body["channel"] == ADMIN_CHANNEL
    blocks = posted.body["blocks"]
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields == [
        "*Requested by*\ncarol",
        "*Server*\n101 (web-1)",
        "*Plan*\nmemory 4096 MiB → 8192 MiB",
    ]
    approve, deny = blocks[-1]["elements"]
    assert (approve["action_id"], approve["value"], approve["style"]) == (
        APPROVE,
        APPROVAL_ID,
        "primary",
    )
    assert approve["confirm"]["text"]["text"] == "Resize server 101 for carol?"
    assert approve["confirm"]["confirm"]["text"] == "Approve"
    assert (deny["value"], deny["style"], "confirm" in deny) == (APPROVAL_ID, "danger", False)


def test_approve_click_replaces_the_buttons_with_the_decision(
    app: SlackApp, handler: FakeHandler, api: MockSlackApi
) -> None:
    response = dispatch(app, action_body(APPROVE, APPROVAL_ID, message_ts="1700000000.000777"))

    assert response[0] == 200
    [click] = handler.clicks
    assert (click.action, click.value, click.identity.user) == (
        "approval.approve",
        APPROVAL_ID,
        "UADMIN",
    )
    assert click.message_id == "1700000000.000777"
    [update] = api.calls_to("chat.update")
    assert (update.body["channel"], update.body["ts"]) == (ADMIN_CHANNEL, "1700000000.000777")
    assert update.body["text"] == "Approved by @alice"
    assert all(block["type"] != "actions" for block in update.body["blocks"])
    [private] = api.calls_to("chat.postEphemeral")
    assert (private.body["user"], private.body["text"]) == ("UADMIN", "You approved it.")


def test_second_click_and_retried_delivery_do_not_act_twice(
    app: SlackApp, handler: FakeHandler, api: MockSlackApi
) -> None:
    first = action_body(APPROVE, APPROVAL_ID, trigger="click-1")
    dispatch(app, first)
    dispatch(app, action_body(APPROVE, APPROVAL_ID, trigger="click-2"))
    retry_headers = {**signed_headers(first), "x-slack-retry-num": "1"}
    dispatch(app, first, retry_headers)

    assert handler.decisions == {APPROVAL_ID: "approved"}
    assert handler.duplicates == ["slack:T0001:click-1"]
    assert len(api.calls_to("chat.update")) == 1
    told = [c.body["text"] for c in api.calls_to("chat.postEphemeral")]
    assert told == ["You approved it.", "Already approved.", "Already handled."]


def test_retried_command_delivery_carries_the_same_inbound_id(
    app: SlackApp, handler: FakeHandler
) -> None:
    body = command_body("resize 101 memory=8G", trigger="trig-9")
    dispatch(app, body)
    ack = ack_json(dispatch(app, body, {**signed_headers(body), "x-slack-retry-num": "1"}))

    assert handler.duplicates == ["slack:T0001:trig-9"]
    assert ack["text"] == "Already received."


def test_non_admin_click_is_refused_privately_and_changes_nothing(
    app: SlackApp, handler: FakeHandler, api: MockSlackApi
) -> None:
    dispatch(app, action_body(APPROVE, APPROVAL_ID, user="UCUST"))

    assert handler.decisions == {}
    assert api.calls_to("chat.update") == []
    assert api.calls_to("chat.postMessage") == []
    [refusal] = api.calls_to("chat.postEphemeral")
    assert (refusal.body["user"], refusal.body["channel"]) == ("UCUST", ADMIN_CHANNEL)
    assert refusal.body["text"] == "Only admins can decide."


def test_click_on_an_ephemeral_message_replaces_it_through_its_response_url(
    app: SlackApp, api: MockSlackApi
) -> None:
    body = action_body(APPROVE, APPROVAL_ID, ephemeral=True, response_url=api.response_url("c1"))
    dispatch(app, body)

    [replaced] = api.calls_to("/response/c1")
    assert replaced.body["replace_original"] is True
    assert replaced.body["text"] == "Approved by @alice"
    assert api.calls_to("chat.update") == []


def test_configured_command_names_and_scopes(api: MockSlackApi, handler: FakeHandler) -> None:
    app = build_app(handler, settings(api, command_server="/vps", command_admin="/ops"))
    dispatch(app, command_body("list", command="/vps", trigger="a"))
    dispatch(app, command_body("queue", command="/ops", trigger="b"))
    dispatch(app, command_body("whoami", command="/auth", trigger="c"))
    unknown = dispatch(app, command_body("list", command="/server", trigger="d"))

    assert [i.scope for i in handler.invocations] == ["server", "admin", "auth"]
    assert unknown[0] == 404


def test_handler_failure_acks_a_generic_error_without_its_text(
    api: MockSlackApi, handler: FakeHandler
) -> None:
    handler.fail = True  # it raises, with a secret in the message
    app = build_app(handler, settings(api))
    ack = ack_json(dispatch(app, command_body("list")))
    dispatch(app, action_body(APPROVE, APPROVAL_ID))

    assert ack["text"].startswith("Something went wrong")
    assert "hunter2" not in json.dumps(ack)
    [told] = api.calls_to("chat.postEphemeral")
    assert told.body["text"].startswith("Something went wrong")


def test_without_a_signing_secret_no_http_request_passes(
    api: MockSlackApi, handler: FakeHandler
) -> None:
    app = build_app(handler, settings(api, signing_secret=None, mode="socket"))
    body = command_body("list")
    for secret in ("", SIGNING_SECRET):
        assert dispatch(app, body, signed_headers(body, secret=secret))[0] == 401
    assert handler.invocations == []


CONVERSATIONS = {
    ("G0MPDM0001", "mpdm-alice--bob--carol-1"): True,  # a group DM
    ("D0DM000001", "directmessage"): True,
    ("G0PRIVATE1", "privategroup"): False,  # a private channel: the workspace controls it
    ("C0PUBLIC01", "mpdm"): False,  # a channel merely named like one
    ("CGENERAL", "general"): False,
}


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c[1])
def test_direct_and_group_messages_are_marked_direct(
    app: SlackApp, handler: FakeHandler, conversation: tuple[str, str]
) -> None:
    channel_id, channel_name = conversation
    fields = dict(parse_qsl(command_body("node list", command="/admin")))
    body = urlencode({**fields, "channel_id": channel_id, "channel_name": channel_name})
    ack_json(dispatch(app, body))

    [invocation] = handler.invocations
    assert invocation.is_direct_message is CONVERSATIONS[conversation]
