"""Forged and replayed Slack requests, Discord guilds we do not serve, a customer probing
other VMIDs, and secrets that must never reach logs or chat."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest

from bot.adapters.slack.app import SlackApp, build_app
from bot.ports.invocation import Identity
from proxmox.simulator import SIM_TOKEN_SECRET
from tests.support import slack_api as testing
from tests.support.discord_fakes import CHANNEL, OTHER_GUILD, FakeMember, run_command
from tests.support.fake_handler import FakeHandler
from tests.support.testbot import TestBot

SLACK_CUSTOMER = Identity(platform="slack", workspace=testing.TEAM, user="UCUST")


@pytest.fixture
def mock_slack() -> Iterator[testing.MockSlackApi]:
    with testing.MockSlackApi() as api:
        yield api


@pytest.fixture
def slack(testbot: TestBot, mock_slack: testing.MockSlackApi) -> Iterator[SlackApp]:
    testbot.handler.stores.identities.link(SLACK_CUSTOMER, "acme")
    app = build_app(testbot.handler, testing.settings(mock_slack))
    yield app
    app.followups.shutdown()


def _send(app: SlackApp, body: str, headers: dict[str, str]) -> int:
    status, _ = testing.dispatch(app.bolt, body, headers)
    app.followups.wait()
    return status


def test_forged_stale_and_replayed_slack_requests(testbot: TestBot, slack: SlackApp) -> None:
    body = testing.command_body("status 101", user="UCUST", trigger="t-1")
    forged = testing.signed_headers(body, secret="not-the-signing-secret")
    stale = testing.signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    unsigned = {"content-type": "application/x-www-form-urlencoded"}
    for headers in (forged, stale, unsigned):
        assert _send(slack, body, headers) == 401
    assert testbot.jobs_created() == 0
    assert testbot.handler.stores.audit.count() == 0  # a rejected request never reached it

    valid = testing.signed_headers(body)
    assert _send(slack, body, valid) == 200
    assert _send(slack, body, valid) == 200  # the same request replayed within the window
    assert _send(slack, body, {**valid, "x-slack-retry-num": "1"}) == 200
    assert testbot.jobs_created() == 1


def test_discord_interactions_from_an_unconfigured_guild_are_refused() -> None:
    from bench.discord_bench import build_bot  # noqa: PLC0415  (the real tree and gateway)

    handler = FakeHandler()
    bot = build_bot(handler)  # serves testing.GUILD only
    stranger = FakeMember(77, "stranger")

    async def probe() -> list[str]:
        sent = await run_command(bot, "server", ["status"], {"vm": "101"}, user=stranger,
                                 guild_id=OTHER_GUILD, channel_id=CHANNEL)  # fmt: skip
        return [s.text for s in sent.sent]

    texts = asyncio.run(probe())
    assert texts == ["This bot is not available in this server."]
    assert handler.invocations == []


def test_probing_other_vmids_answers_like_a_nonexistent_server(testbot: TestBot) -> None:
    def answer(ref: str) -> str:
        return testbot.send("alice", f"/server status {ref}").text.replace(ref, "<vm>")

    theirs = {answer(ref) for ref in ("103", "9000", "9001")}  # another account's, templates
    nobody = {answer(ref) for ref in ("104", "99999")}
    assert theirs == nobody
    assert len(nobody) == 1
    assert testbot.jobs_created() == 0


def test_no_secret_in_logs_chat_jobs_or_audit(
    testbot: TestBot,
    slack: SlackApp,
    mock_slack: testing.MockSlackApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = testing.command_body("password 101", user="UCUST", trigger="t-pw")
    assert _send(slack, body, testing.signed_headers(body)) == 200
    audit_log = testbot.handler.stores.audit
    job_id = next(e.job_id for e in audit_log.recent() if e.event == "job.queued")
    assert job_id is not None
    client = testbot.client
    job_data = [str(client.hgetall(k)) for k in client.scan_iter(f"rq:job:{job_id}*")]

    testbot.settle()
    state = testbot.worker.chains().get(job_id)

    assert state is not None
    assert state.status == "succeeded", state.error
    [private] = testbot.chat.notified("private")
    password = private.reply.code
    assert password is not None
    assert len(password) >= 12
    # Everything anyone but the requester could see: bot and worker posts and edits alike.
    public = [s.reply.plain() for s in testbot.chat.shown if s.how != "private"]
    public += [str(c.body) for c in mock_slack.calls]  # what the Slack Web API was sent
    audit = [e.model_dump_json() for e in audit_log.recent(limit=1000)]
    haystack = "\n".join([caplog.text, *public, *audit, *job_data, repr(state)])
    for secret in (SIM_TOKEN_SECRET, testing.SIGNING_SECRET, testing.BOT_TOKEN, password):
        assert secret not in haystack
    assert len(caplog.records) > 10  # the capture really saw the flow
