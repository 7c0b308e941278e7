"""Suite-wide fixtures: a clean environment so no real credential can reach a test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from proxmox.simulator import Simulator
from tests.contract.pve_schema import assert_conforms

pytest_plugins = ["tests.support.fixtures"]

_SECRET_PREFIXES = ("PROXMOX_", "SLACK_", "DISCORD_", "JOTUNHEIM_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_SECRET_PREFIXES):
            monkeypatch.delenv(name)
    # An empty value disables the .env file (see bot.settings.load).
    monkeypatch.setenv("JOTUNHEIM_ENV_FILE", "")


# Requests the simulator refused as malformed (400) or unknown (501) are what a test of
# that refusal sends on purpose; every other request must match the official schema.
_DELIBERATELY_INVALID = {400, 501}


@pytest.fixture(autouse=True)
def every_simulator_request_conforms_to_the_schema(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """Issue 2's contract: every request any test sends to the simulator is checked
    against ../shared/pve-api/pve-api-subset.json (which fails loudly when absent)."""
    created: list[Simulator] = []
    original_init = Simulator.__init__

    def recording_init(self: Simulator, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(Simulator, "__init__", recording_init)
    yield
    for sim in created:
        assert_conforms(c for c in sim.calls if c.status not in _DELIBERATELY_INVALID)


def redis_url() -> str:
    """The integration Redis: REDIS_URL's server, database 15 (the suite's own)."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return base.rsplit("/", 1)[0] + "/15" if base.count("/") > 2 else base + "/15"


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """A real Redis connection (db 15). Fails, never skips, when Redis is not running:
    .ci/run starts one, and an integration test that silently passes proves nothing."""
    client = redis.Redis.from_url(redis_url())
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis is not answering at {redis_url()} ({exc}); run .ci/ensure-redis")
    yield client
    client.close()


@pytest.fixture
def key_prefix(redis_client: redis.Redis) -> Iterator[str]:
    """A fresh key namespace for one test; its keys are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(redis_client.scan_iter(match=f"{prefix}:*", count=500))
    if keys:
        redis_client.delete(*keys)
