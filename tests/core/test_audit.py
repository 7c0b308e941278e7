"""The audit stream: every event kept, secrets redacted, filters by server and actor."""

from __future__ import annotations

import redis

from bot.ports.audit import REDACTED, AuditLog


def test_records_newest_first_and_filters(redis_client: redis.Redis, key_prefix: str) -> None:
    log = AuditLog(redis_client, prefix=key_prefix)
    log.record("invocation", actor="slack:T1:U1", vmid=101, command="server resize")
    log.record("refused", actor="slack:T1:U2", vmid=102, result="not linked")
    log.record("job.succeeded", actor="slack:T1:U1", vmid=101, upid="UPID:x", result="OK")

    assert [e.event for e in log.recent()] == ["job.succeeded", "refused", "invocation"]
    assert [e.event for e in log.recent(vmid=101)] == ["job.succeeded", "invocation"]
    assert [e.event for e in log.recent(actor="slack:T1:U2")] == ["refused"]
    assert log.recent(limit=1)[0].id
    assert log.count() == 3


def test_secret_arguments_are_redacted_before_writing(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    log = AuditLog(redis_client, prefix=key_prefix)
    log.record("invocation", actor="a", args={"password": "hunter2", "memory": "8G"})

    stored = repr(redis_client.xrange(f"{key_prefix}:audit"))
    assert "hunter2" not in stored
    assert "memory" in stored
    assert log.recent()[0].args == {"password": REDACTED, "memory": "8G"}


def test_nothing_is_trimmed_without_a_retention(redis_client: redis.Redis, key_prefix: str) -> None:
    log = AuditLog(redis_client, prefix=key_prefix)
    for i in range(300):
        log.record("invocation", actor=f"u{i}")
    assert log.count() == 300


def test_a_configured_retention_trims_the_oldest_entries(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    log = AuditLog(redis_client, prefix=key_prefix, maxlen=100)
    for i in range(1000):
        log.record("invocation", actor=f"u{i}")
    # Trimming is approximate (whole stream nodes) so that it stays cheap.
    assert 100 <= log.count() < 300
    assert log.recent(limit=1)[0].actor == "u999"
