"""Issue 13: a message the platform rate-limited is delivered once its ``Retry-After`` has
passed, never sooner, and rate limits do not use up the delivery's retries."""

from __future__ import annotations

import time

import pytest
import redis

from bot.ports.notify import MessageRef
from bot.ports.reply import Reply
from jobs.chain.report import Reporter
from jobs.config import JobSettings
from jobs.context import WorkerContext
from jobs.queue import rq_queue
from tests.jobs.conftest import TARGET, run_until
from tests.support.chat import ChatRecorder


class RateLimited(RuntimeError):
    def __init__(self, retry_after: float) -> None:
        super().__init__("429")
        self.retry_after = retry_after


class LimitedChat(ChatRecorder):
    """Refuses the next ``limited`` edits as a rate-limited platform does, noting when each
    edit was tried."""

    def __init__(self, limited: int, retry_after: float) -> None:
        super().__init__()
        self.limited = limited
        self.retry_after = retry_after
        self.tried: list[float] = []

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self.tried.append(time.time())
        if self.limited:
            self.limited -= 1
            raise RateLimited(self.retry_after)
        super().update(ref, reply)


@pytest.fixture
def settings(key_prefix: str) -> JobSettings:
    # One retry for a failure that is not a rate limit: rate limits must not spend it.
    return JobSettings(prefix=key_prefix, delivery_intervals=(1,), delivery_cap=1)


@pytest.fixture
def chat() -> LimitedChat:
    return LimitedChat(limited=3, retry_after=0.5)


@pytest.fixture
def notifier(chat: LimitedChat) -> ChatRecorder:
    return chat


def test_a_rate_limited_final_edit_arrives_after_each_retry_after_and_never_sooner(
    ctx: WorkerContext, chat: LimitedChat, settings: JobSettings, redis_client: redis.Redis
) -> None:
    card = chat.post(TARGET, Reply(text="⏳ Rebooting"))
    Reporter(ctx).update(TARGET, card, Reply(text="✓ Done", tone="success"))

    queue = rq_queue(redis_client, settings, "high")
    registry = queue.scheduled_job_registry
    [job_id] = registry.get_job_ids()
    # Scheduled, not queued: in RQ's whole seconds, still no sooner than Retry-After.
    scheduled = redis_client.zscore(registry.key, job_id)
    assert scheduled is not None
    assert scheduled >= chat.tried[0] + chat.retry_after

    run_until(redis_client, settings, lambda: chat.current[card.id].text == "✓ Done")

    assert len(chat.tried) == 4  # three refusals (more than delivery_cap), then delivered
    gaps = [later - earlier for earlier, later in zip(chat.tried, chat.tried[1:], strict=False)]
    assert min(gaps) >= chat.retry_after
