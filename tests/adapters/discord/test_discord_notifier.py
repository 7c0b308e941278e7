"""The worker-side REST notifier against a local mock Discord API over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
import redis
from pydantic import SecretStr

from bot.adapters.discord.notifier import (
    DiscordApiError,
    DiscordNotifier,
    DiscordRateLimited,
    DiscordUnauthorized,
    worker_notifier,
)
from bot.adapters.discord.tokens import TOKEN_TTL_SECONDS, InteractionTokens
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply, ReplyField
from tests.support.discord_api import APP_ID, BOT_TOKEN, MockDiscordApi, Scripted

TARGET = ReplyTarget(platform="discord", workspace="1111", channel="3333", requester="42")


@pytest.fixture
def api() -> Iterator[MockDiscordApi]:
    server = MockDiscordApi()
    server.start()
    yield server
    server.stop()


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def notifier(
    api: MockDiscordApi,
    sleeps: Sleeps,
    *,
    token: str = BOT_TOKEN,
    tokens: InteractionTokens | None = None,
) -> DiscordNotifier:
    return DiscordNotifier(
        httpx.Client(timeout=5),
        bot_token=SecretStr(token),
        application_id=APP_ID,
        api_base=api.base,
        tokens=tokens,
        sleep=sleeps,
    )


def test_post_then_edit(api: MockDiscordApi, sleeps: Sleeps) -> None:
    sender = notifier(api, sleeps)
    reply = Reply(text="Resize of 101 started", fields=(ReplyField(label="UPID", value="UPID:x"),))
    ref = sender.post(TARGET, reply)
    assert ref.channel == "3333"
    posted = api.calls[0]
    assert (posted.method, posted.path) == ("POST", "/api/v10/channels/3333/messages")
    assert posted.body["enforce_nonce"] is True
    assert len(posted.body["nonce"]) <= 25
    assert posted.body["embeds"][0]["fields"][0] == {
        "name": "UPID",
        "value": "UPID:x",
        "inline": True,
    }
    assert posted.headers["authorization"] == f"Bot {BOT_TOKEN}"

    sender.update(ref, Reply(text="Resize of 101: OK", tone="success"))
    assert (api.calls[1].method, api.calls[1].path) == (
        "PATCH",
        f"/api/v10/channels/3333/messages/{ref.id}",
    )
    assert api.messages[ref.id]["content"] == "Resize of 101: OK"


def test_thread_target_posts_into_the_thread(api: MockDiscordApi, sleeps: Sleeps) -> None:
    ref = notifier(api, sleeps).post(TARGET.model_copy(update={"thread": "8888"}), Reply(text="x"))
    assert ref.channel == "8888"
    assert api.calls[0].path.endswith("/channels/8888/messages")


def test_repeated_post_is_deduplicated_by_nonce(api: MockDiscordApi, sleeps: Sleeps) -> None:
    sender = notifier(api, sleeps)
    first = sender.post(TARGET, Reply(text="Backup of 101 started"))
    again = sender.post(TARGET, Reply(text="Backup of 101 started"))
    other = sender.post(TARGET, Reply(text="Backup of 101: OK"))
    assert first == again
    assert other != first
    assert len(api.messages) == 2


def test_429_waits_retry_after_then_succeeds(api: MockDiscordApi, sleeps: Sleeps) -> None:
    api.script(
        Scripted(
            429, {"message": "You are being rate limited.", "retry_after": 0.25, "global": False}
        )
    )
    ref = notifier(api, sleeps).post(TARGET, Reply(text="hello"))
    assert sleeps == [0.25]
    assert len(api.calls) == 2
    assert ref.id in api.messages


def test_429_forever_gives_up_after_bounded_retries(api: MockDiscordApi, sleeps: Sleeps) -> None:
    api.script(*[Scripted(429, {"retry_after": 0.01}) for _ in range(10)])
    with pytest.raises(DiscordApiError) as caught:
        notifier(api, sleeps).post(TARGET, Reply(text="hello"))
    assert caught.value.status == 429
    assert len(api.calls) == 5
    assert len(sleeps) == 5


def test_401_stops_without_looping(
    api: MockDiscordApi, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    sender = notifier(api, sleeps, token="revoked-token")
    with caplog.at_level(logging.ERROR), pytest.raises(DiscordUnauthorized):
        sender.post(TARGET, Reply(text="hello"))
    with pytest.raises(DiscordUnauthorized):
        sender.update(MessageRef(channel="3333", id="1"), Reply(text="again"))
    assert len(api.calls) == 1
    assert sleeps == []
    assert "401" in caplog.text
    assert "revoked-token" not in caplog.text


def test_private_uses_live_interaction_token_ephemerally(
    api: MockDiscordApi, sleeps: Sleeps, redis_client: redis.Redis, key_prefix: str
) -> None:
    tokens = InteractionTokens(redis_client, prefix=key_prefix)
    tokens.remember("3333", "42", "live-token")
    api.live_tokens.add("live-token")
    notifier(api, sleeps, tokens=tokens).notify_private(TARGET, Reply(text="password: s3cret"))
    [call] = api.calls
    assert call.path == f"/api/v10/webhooks/{APP_ID}/live-token"
    assert call.body["flags"] == 64
    assert "authorization" not in call.headers
    assert 0 < redis_client.ttl(f"{key_prefix}:dc:itok:3333:42") <= TOKEN_TTL_SECONDS


def test_private_falls_back_to_dm_when_token_expired(
    api: MockDiscordApi, sleeps: Sleeps, redis_client: redis.Redis, key_prefix: str
) -> None:
    tokens = InteractionTokens(redis_client, prefix=key_prefix)
    tokens.remember("3333", "42", "expired-token")
    notifier(api, sleeps, tokens=tokens).notify_private(TARGET, Reply(text="password: s3cret"))
    paths = [c.path for c in api.calls]
    assert paths == [
        f"/api/v10/webhooks/{APP_ID}/expired-token",
        "/api/v10/users/@me/channels",
        "/api/v10/channels/dm42/messages",
    ]
    assert api.calls[1].body == {"recipient_id": "42"}
    assert tokens.latest("3333", "42") is None  # a refused token is not tried again


def test_private_without_token_store_goes_to_dm(api: MockDiscordApi, sleeps: Sleeps) -> None:
    notifier(api, sleeps).notify_private(TARGET, Reply(text="password: s3cret"))
    assert [c.path for c in api.calls][-1] == "/api/v10/channels/dm42/messages"


def test_errors_never_show_the_interaction_token(
    api: MockDiscordApi, sleeps: Sleeps, redis_client: redis.Redis, key_prefix: str
) -> None:
    tokens = InteractionTokens(redis_client, prefix=key_prefix)
    tokens.remember("3333", "42", "live-token")
    api.live_tokens.add("live-token")
    api.script(Scripted(500, {"message": "boom"}))
    with pytest.raises(DiscordApiError) as caught:
        notifier(api, sleeps, tokens=tokens).notify_private(TARGET, Reply(text="pw"))
    assert "live-token" not in str(caught.value)
    assert "500" in str(caught.value)


def test_no_log_line_shows_the_interaction_token(
    api: MockDiscordApi,
    sleeps: Sleeps,
    redis_client: redis.Redis,
    key_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx logs every request URL at INFO; a follow-up's URL holds the token."""
    tokens = InteractionTokens(redis_client, prefix=key_prefix)
    tokens.remember("3333", "42", "live-token-abc")
    api.live_tokens.add("live-token-abc")
    sender = notifier(api, sleeps, tokens=tokens)
    api.script(Scripted(429, {"retry_after": 0.01}))
    with caplog.at_level(logging.DEBUG):
        sender.notify_private(TARGET, Reply(text="password: s3cret"))
        sender.post(TARGET, Reply(text="unrelated"))
    assert api.calls[-2].path == f"/api/v10/webhooks/{APP_ID}/live-token-abc"
    assert "live-token-abc" not in caplog.text
    httpx_lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    # Still logged (nothing silenced), with the token part replaced.
    assert any(f"/webhooks/{APP_ID}/…" in line for line in httpx_lines)
    assert any("/channels/3333/messages" in line for line in httpx_lines)


def test_discord_py_request_log_lines_are_redacted_too(
    api: MockDiscordApi, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    notifier(api, sleeps)  # installs the filters
    url = "https://discord.com/api/v10/interactions/123/secret-itok/callback"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("discord.http").debug("%s %s has returned %s", "POST", url, 204)
        logging.getLogger("other").info("kept %s", "as is")
    assert "secret-itok" not in caplog.text
    assert "/interactions/123/…/callback" in caplog.text
    assert "kept as is" in caplog.text


class Monotonic:
    """The notifier's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def worker(api: MockDiscordApi, sleeps: Sleeps, clock: Monotonic) -> DiscordNotifier:
    """As the worker composes it (``from_env``)."""
    return worker_notifier(
        httpx.Client(timeout=5),
        clock=clock,
        bot_token=SecretStr(BOT_TOKEN),
        application_id=APP_ID,
        api_base=api.base,
        sleep=sleeps,
    )


def test_the_worker_reports_a_global_limit_at_once_and_sends_nothing_until_it_ends(
    api: MockDiscordApi, sleeps: Sleeps
) -> None:
    clock = Monotonic()
    sender = worker(api, sleeps, clock)
    limited = {"message": "You are being rate limited.", "retry_after": 2.0, "global": True}
    api.script(Scripted(429, limited, {"x-ratelimit-global": "true", "retry-after": "2"}))

    with pytest.raises(DiscordRateLimited) as caught:
        sender.update(MessageRef(channel="3333", id="1"), Reply(text="step 2 of 3"))
    assert (caught.value.status, caught.value.retry_after) == (429, 2.0)
    clock.now += 1.5
    elsewhere = TARGET.model_copy(update={"channel": "4444"})
    with pytest.raises(DiscordRateLimited) as held:  # global: every route waits
        sender.post(elsewhere, Reply(text="another card"))
    assert held.value.retry_after == pytest.approx(0.5)
    assert (len(api.calls), sleeps) == (1, [])

    clock.now += 0.5
    assert sender.post(elsewhere, Reply(text="another card")).id in api.messages


def test_a_bucket_discord_says_is_used_up_gets_nothing_until_it_resets(
    api: MockDiscordApi, sleeps: Sleeps
) -> None:
    clock = Monotonic()
    sender = worker(api, sleeps, clock)
    used_up = {"x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "1.5"}
    api.script(Scripted(200, {"id": "77", "channel_id": "3333"}, used_up))
    sender.post(TARGET, Reply(text="first"))

    with pytest.raises(DiscordRateLimited) as held:
        sender.post(TARGET, Reply(text="second"))
    sender.post(TARGET.model_copy(update={"channel": "4444"}), Reply(text="elsewhere"))
    assert held.value.retry_after == pytest.approx(1.5)
    assert [c.body.get("content") for c in api.calls] == ["first", "elsewhere"]
    clock.now += 1.5
    sender.post(TARGET, Reply(text="second"))
    assert len(api.calls) == 3


def test_the_worker_edits_one_message_at_most_once_a_second(
    api: MockDiscordApi, sleeps: Sleeps
) -> None:
    clock = Monotonic()
    sender = worker(api, sleeps, clock)
    ref = sender.post(TARGET, Reply(text="queued"))
    sender.update(ref, Reply(text="step 1 of 2"))
    clock.now += 0.25

    with pytest.raises(DiscordRateLimited) as caught:
        sender.update(ref, Reply(text="step 2 of 2"))
    assert caught.value.retry_after == pytest.approx(0.75)
    clock.now += 0.75
    sender.update(ref, Reply(text="done"))

    edits = [c.body.get("content") for c in api.calls if c.method == "PATCH"]
    assert (edits, sleeps) == (["step 1 of 2", "done"], [])


def test_a_private_message_is_worth_a_wait_even_in_the_worker(
    api: MockDiscordApi, sleeps: Sleeps
) -> None:
    clock = Monotonic()
    sender = worker(api, sleeps, clock)
    api.script(
        Scripted(200, {"id": "dm42", "type": 1}),  # the DM channel opens
        Scripted(429, {"retry_after": 0.5, "global": False}),
    )
    sender.notify_private(TARGET, Reply(text="password: s3cret"))
    assert sleeps == [0.5]
    assert [c.path for c in api.calls][-1] == "/api/v10/channels/dm42/messages"


def test_a_wait_longer_than_max_wait_is_raised_whole_not_slept(
    api: MockDiscordApi, sleeps: Sleeps
) -> None:
    api.script(Scripted(429, {"retry_after": 120.0, "global": True}))
    with pytest.raises(DiscordRateLimited) as caught:
        notifier(api, sleeps).post(TARGET, Reply(text="hello"))
    assert (caught.value.retry_after, sleeps, len(api.calls)) == (120.0, [], 1)
