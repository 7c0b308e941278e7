"""``/admin queue`` answers on the ack path: with a deep backlog it must read a bounded number
of jobs (not every failed or queued one) and still show the newest failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from rq.job import Job
from rq.serializers import JSONSerializer

from jobs.config import JobSettings
from jobs.queue import rq_queue
from jobs.state import stats


@pytest.fixture
def settings(redis_client: redis.Redis, key_prefix: str) -> Iterator[JobSettings]:
    """RQ keys live under ``rq:`` (queue names carry the prefix): removed afterwards."""
    chosen = JobSettings(prefix=key_prefix)
    yield chosen
    keys = [
        *redis_client.scan_iter(match=f"rq:*{key_prefix}*", count=1000),
        *redis_client.scan_iter(match=f"rq:job:{key_prefix}-*", count=1000),
    ]
    if keys:
        redis_client.delete(*set(keys))


class FetchCounter:
    """Wraps ``Job.fetch_many`` to count the ids each call asked for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sizes: list[int] = []
        original = Job.fetch_many

        def counting(job_ids: list[str], *args: object, **kwargs: object) -> list[Job | None]:
            self.sizes.append(len(job_ids))
            return original(job_ids, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Job, "fetch_many", staticmethod(counting))


def make_failed(client: redis.Redis, settings: JobSettings, prefix: str, n: int) -> None:
    queue = rq_queue(client, settings, "default")
    for i in range(n):
        job = Job.create(
            "builtins.print",
            connection=client,
            serializer=JSONSerializer,
            id=f"{prefix}-f{i:03d}",
            origin=queue.name,
        )
        job.ended_at = datetime.fromtimestamp(1_700_000_000 + i, tz=UTC)
        job.save()
        queue.failed_job_registry.add(job, ttl=1000 + i)  # later failure, higher score


def test_failed_jobs_fetches_only_the_newest_limit(
    redis_client: redis.Redis,
    settings: JobSettings,
    key_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_failed(redis_client, settings, key_prefix, 60)
    counter = FetchCounter(monkeypatch)
    newest = stats.failed_jobs(redis_client, settings, limit=5)
    assert [j.id for j in newest] == [f"{key_prefix}-f{i:03d}" for i in (59, 58, 57, 56, 55)]
    assert counter.sizes
    assert max(counter.sizes) <= 5


def test_active_chains_reads_a_bounded_number_of_queued_jobs(
    redis_client: redis.Redis,
    settings: JobSettings,
    key_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queue = rq_queue(redis_client, settings, "default")
    for i in range(40):
        queue.enqueue_call("builtins.print", job_id=f"{key_prefix}-q{i:03d}")
    counter = FetchCounter(monkeypatch)
    assert stats.active_chains(redis_client, settings, scan=10) == []
    assert counter.sizes
    assert max(counter.sizes) <= 4 * 10  # queue + started + scheduled + deferred


def test_retry_requeues_a_failed_job_once(
    redis_client: redis.Redis, settings: JobSettings, key_prefix: str
) -> None:
    make_failed(redis_client, settings, key_prefix, 3)
    assert stats.retried(stats.retry(redis_client, settings, f"{key_prefix}-f001"))
    again = stats.retry(redis_client, settings, f"{key_prefix}-f001")
    assert again == f"job {key_prefix}-f001 is not in the failed jobs"
