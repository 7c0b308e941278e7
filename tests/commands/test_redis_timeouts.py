"""A hung Redis (accepts connections, never answers) must not hang a handler past the
platform's 3-second ack: the bot's client gives up fast and the person hears that nothing
was done."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.compose import compose_bot
from bot.dispatch import UNAVAILABLE
from bot.ports.invocation import Identity, Invocation
from bot.settings.policy import PolicySettings
from tests.support.chat import ChatRecorder


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A listening socket that is never accepted from: connects succeed, replies never come."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    yield f"redis://127.0.0.1:{port}/15"
    listener.close()


def test_handler_on_a_hung_redis_answers_unavailable_within_two_seconds(
    blackhole: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", blackhole)
    handler = compose_bot(ChatRecorder(), settings=PolicySettings(redis_prefix=key_prefix))
    invocation = Invocation(
        identity=Identity(platform="console", workspace="ws", user="alice"),
        display_name="alice",
        channel="general",
        scope="server",
        text="list",
        inbound_id="in-1",
    )
    started = time.monotonic()
    reply = handler.handle(invocation)
    elapsed = time.monotonic() - started
    assert reply.text == UNAVAILABLE
    assert elapsed < 2.0
