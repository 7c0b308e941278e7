"""The mock platforms' rate limits behave as the platforms document them, and their ledgers
count what the rate-limit end-to-end test asserts on."""

from __future__ import annotations

import httpx

from tests.support.discord_api import BOT_TOKEN, MockDiscordApi
from tests.support.rate_limits import FixedWindows, TokenBucket, most_in_a_second
from tests.support.slack_api import MockSlackApi


class Monotonic:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_a_second_is_half_open() -> None:
    assert most_in_a_second([]) == 0
    assert most_in_a_second([1.0, 2.0, 3.0]) == 1  # exactly a second apart: one a second
    assert most_in_a_second([1.0, 1.99, 3.5]) == 2
    assert most_in_a_second([5.0, 1.0, 1.5, 1.9, 7.0]) == 3


def test_a_token_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket(rate=1.0, burst=3)
    assert [bucket.take("C1", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("C1", 0.0) == 1.0  # empty: a token in a second
    assert bucket.take("C2", 0.0) == 0.0  # another channel has its own
    assert bucket.take("C1", 0.5) == 0.5
    assert bucket.take("C1", 1.0) == 0.0


def test_a_fixed_window_says_what_is_left_and_when_it_resets() -> None:
    windows = FixedWindows(limit=2, per=1.0)
    first, second, third = (windows.take("c", at) for at in (10.0, 10.25, 10.5))
    assert (first.remaining, second.remaining, second.wait) == (1, 0, 0.0)
    assert (third.wait, third.reset_after) == (0.5, 0.5)
    assert windows.take("c", 11.0).remaining == 1  # a new window


def test_slack_answers_429_with_retry_after_and_notes_an_early_retry() -> None:
    clock = Monotonic()
    with MockSlackApi(clock=clock) as api:
        api.rate_limit("chat.update", rate=1.0, burst=1)
        post = httpx.post(api.base_url + "chat.postMessage", json={"channel": "C1", "text": "x"})
        edit = {"channel": "C1", "ts": post.json()["ts"], "text": "x"}
        codes = [post.status_code] + [_slack(api, "chat.update", edit) for _ in range(2)]
        clock.now += 0.5
        codes.append(_slack(api, "chat.update", edit))  # told to wait a whole second
        clock.now += 0.5
        codes.append(_slack(api, "chat.update", edit))

    assert codes == [200, 200, 429, 429, 200]
    [posted] = api.ledger.histories.values()
    assert (len(posted.edits()), len(posted.refused)) == (2, 2)
    # Each early try (noted for the edit and for its channel) was told to wait anew.
    assert [e.at for e in api.ledger.early] == [50.5, 50.5, 51.0, 51.0]


def test_discord_tells_its_buckets_and_answers_429_with_json_retry_after() -> None:
    clock = Monotonic()
    api = MockDiscordApi(clock=clock)
    api.start()
    try:
        api.rate_limit(limit=1, per=1.0)
        with httpx.Client(base_url=api.base, headers={"authorization": f"Bot {BOT_TOKEN}"}) as http:
            posted = http.post("/channels/7/messages", json={"content": "x"})
            again = http.post("/channels/7/messages", json={"content": "y"})
    finally:
        api.stop()

    assert posted.headers["x-ratelimit-remaining"] == "0"
    assert float(posted.headers["x-ratelimit-reset-after"]) == 1.0
    assert again.status_code == 429
    assert (again.json()["retry_after"], again.json()["global"]) == (1.0, False)
    assert again.headers["retry-after"] == "1"


def _slack(api: MockSlackApi, method: str, body: dict[str, str]) -> int:
    return httpx.post(api.base_url + method, json=body).status_code
