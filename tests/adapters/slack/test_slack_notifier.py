"""The worker-side SlackNotifier against the mock Web API: threads, edits, rate limits,
refused edits, private output."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator

import pytest

from bot.adapters.ratelimit import RateGate
from bot.adapters.slack.notifier import (
    SlackDeliveryError,
    SlackNotifier,
    build_client,
    from_env,
    worker_notifier,
)
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply
from tests.support.slack_api import MockSlackApi, Scripted

UPID = "UPID:pve1:000A1B2C:0C3D4E5F:65A1B2C3:qmresize:101:jotunheim@pve!bot:"
TARGET = ReplyTarget(
    platform="slack", workspace="T0001", channel="CGENERAL", requester="UCUST", thread="171.0001"
)
RATELIMITED = Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"})


@pytest.fixture
def api() -> Iterator[MockSlackApi]:
    with MockSlackApi() as mock:
        yield mock


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def notifier(api: MockSlackApi, sleeps: Sleeps) -> SlackNotifier:
    return SlackNotifier(build_client("xoxb-test", api.base_url), sleep=sleeps)


def test_upid_goes_in_the_thread_and_the_outcome_edits_that_message(
    notifier: SlackNotifier, api: MockSlackApi
) -> None:
    ref = notifier.post(TARGET, Reply(text=f"Resize started: {UPID}", ephemeral=False))
    notifier.update(ref, Reply(text="Resize finished: OK", tone="success", ephemeral=False))

    [posted] = api.calls_to("chat.postMessage")
    assert (posted.body["channel"], posted.body["thread_ts"]) == ("CGENERAL", "171.0001")
    assert UPID in posted.body["text"]
    assert ref.channel == "CGENERAL"
    [edited] = api.calls_to("chat.update")
    assert (edited.body["channel"], edited.body["ts"]) == ("CGENERAL", ref.id)
    assert edited.body["text"] == "Resize finished: OK"


def test_rate_limit_waits_retry_after_then_delivers(
    notifier: SlackNotifier, api: MockSlackApi, sleeps: Sleeps
) -> None:
    api.script("chat.update", RATELIMITED)
    notifier.update(MessageRef(channel="CGENERAL", id="171.0002"), Reply(text="OK"))

    assert sleeps == [3.0]
    assert len(api.calls_to("chat.update")) == 2


def test_a_rate_limit_longer_than_a_worker_should_wait_is_handed_back(
    api: MockSlackApi, sleeps: Sleeps
) -> None:
    notifier = SlackNotifier(build_client("xoxb-test", api.base_url), max_wait=2, sleep=sleeps)
    api.script("chat.postMessage", RATELIMITED)

    with pytest.raises(SlackDeliveryError) as caught:
        notifier.post(TARGET, Reply(text="started"))

    assert (caught.value.retryable, caught.value.retry_after) == (True, 3.0)
    assert sleeps == []


def test_server_errors_back_off_and_retry(
    notifier: SlackNotifier, api: MockSlackApi, sleeps: Sleeps
) -> None:
    failure = Scripted(503, {"ok": False, "error": "service_unavailable"})
    api.script("chat.postMessage", failure, failure)
    ref = notifier.post(TARGET, Reply(text="started"))

    assert sleeps == [1.0, 2.0]
    assert len(api.calls_to("chat.postMessage")) == 3
    assert ref.id


def test_an_edit_slack_refuses_is_posted_anew_so_the_outcome_survives(
    notifier: SlackNotifier, api: MockSlackApi
) -> None:
    api.script("chat.update", Scripted(200, {"ok": False, "error": "message_not_found"}))
    notifier.update(MessageRef(channel="CGENERAL", id="171.0003"), Reply(text="Resize failed"))

    [reposted] = api.calls_to("chat.postMessage")
    assert (reposted.body["channel"], reposted.body["text"]) == ("CGENERAL", "Resize failed")


def test_a_permanent_error_is_raised_at_once_as_not_retryable(
    notifier: SlackNotifier, api: MockSlackApi, sleeps: Sleeps
) -> None:
    api.script("chat.postMessage", Scripted(200, {"ok": False, "error": "channel_not_found"}))

    with pytest.raises(SlackDeliveryError, match="channel_not_found") as caught:
        notifier.post(TARGET, Reply(text="started"))

    assert caught.value.retryable is False
    assert (len(api.calls_to("chat.postMessage")), sleeps) == (1, [])


def test_unreachable_slack_is_retried_then_reported_retryable(sleeps: Sleeps) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = build_client("xoxb-test", f"http://127.0.0.1:{port}/api/", timeout=2)
    notifier = SlackNotifier(client, attempts=3, sleep=sleeps)

    with pytest.raises(SlackDeliveryError) as caught:
        notifier.post(TARGET, Reply(text="started"))

    assert caught.value.retryable is True
    assert sleeps == [1.0, 2.0]


def test_password_goes_only_ephemeral_to_the_requester_and_never_to_logs(
    notifier: SlackNotifier, api: MockSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    password = "Xk3-very-secret-9q"
    target = ReplyTarget(
        platform="slack", workspace="T0001", channel="CGENERAL", requester="slack:T0001:UCUST"
    )
    with caplog.at_level(logging.DEBUG):
        notifier.notify_private(target, Reply(text="New password for 101:", code=password))

    assert [c.method for c in api.calls] == ["chat.postEphemeral"]
    [private] = api.calls
    assert (private.body["channel"], private.body["user"]) == ("CGENERAL", "UCUST")
    assert password in json.dumps(private.body["blocks"])
    assert password not in private.body["text"]
    assert password not in caplog.text


def test_workers_build_the_notifier_from_the_bot_token_alone(
    api: MockSlackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-worker")
    monkeypatch.setenv("SLACK_API_URL", api.base_url)
    from_env().post(TARGET, Reply(text="started"))

    [posted] = api.calls_to("chat.postMessage")
    assert posted.headers["Authorization"] == "Bearer xoxb-worker"


class Monotonic:
    """The notifier's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_worker_reports_a_rate_limit_at_once_and_sends_nothing_there_until_it_ends(
    api: MockSlackApi, sleeps: Sleeps
) -> None:
    clock = Monotonic()
    worker = worker_notifier(build_client("xoxb-test", api.base_url), clock=clock, sleep=sleeps)
    card = MessageRef(channel="CGENERAL", id="171.0001")
    other = MessageRef(channel="CGENERAL", id="171.0002")
    api.script("chat.update", RATELIMITED)

    with pytest.raises(SlackDeliveryError) as caught:
        worker.update(card, Reply(text="step 2 of 3"))
    assert (caught.value.error, caught.value.retry_after) == ("ratelimited", 3.0)
    clock.now += 2.5
    with pytest.raises(SlackDeliveryError) as held:  # another card in that channel: held back
        worker.update(other, Reply(text="done"))
    assert held.value.retry_after == pytest.approx(0.5)
    assert (len(api.calls_to("chat.update")), sleeps) == (1, [])  # never asked, never slept

    clock.now += 0.5
    worker.update(other, Reply(text="done"))
    assert [c.body["text"] for c in api.calls_to("chat.update")] == ["step 2 of 3", "done"]


def test_the_worker_edits_one_message_at_most_once_a_second(
    api: MockSlackApi, sleeps: Sleeps
) -> None:
    clock = Monotonic()
    worker = worker_notifier(build_client("xoxb-test", api.base_url), clock=clock, sleep=sleeps)
    card = MessageRef(channel="CGENERAL", id="171.0001")
    worker.update(card, Reply(text="step 1 of 2"))
    clock.now += 0.4

    with pytest.raises(SlackDeliveryError) as caught:
        worker.update(card, Reply(text="step 2 of 2"))
    worker.update(MessageRef(channel="CGENERAL", id="171.0002"), Reply(text="another card"))
    assert caught.value.error == "edited_too_recently"
    assert caught.value.retry_after == pytest.approx(0.6)
    clock.now += 0.6
    worker.update(card, Reply(text="done"))

    texts = [c.body["text"] for c in api.calls_to("chat.update")]
    assert (texts, sleeps) == (["step 1 of 2", "another card", "done"], [])


def test_a_notifier_that_may_wait_waits_out_a_limit_another_call_met(
    api: MockSlackApi, sleeps: Sleeps
) -> None:
    clock = Monotonic()
    gate = RateGate(clock=clock)
    bot = SlackNotifier(
        build_client("xoxb-test", api.base_url), max_wait=5, sleep=sleeps, gate=gate
    )
    api.script("chat.postMessage", RATELIMITED)
    bot.post(TARGET, Reply(text="first"))  # waits 3 s, then goes
    clock.now += 1.0  # as if another thread posted while the first one waited

    bot.post(TARGET, Reply(text="second"))

    assert sleeps == [3.0, 2.0]
    assert [c.body["text"] for c in api.calls_to("chat.postMessage")] == [
        "first",
        "first",
        "second",
    ]
