"""Suite-wide fixtures: a clean environment so no real credential can reach a test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

_SECRET_PREFIXES = ("PROXMOX_", "SLACK_", "DISCORD_", "JOTUNHEIM_")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(_SECRET_PREFIXES):
            monkeypatch.delenv(name)
    # An empty value disables the .env file (see bot.settings.load).
    monkeypatch.setenv("JOTUNHEIM_ENV_FILE", "")


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
