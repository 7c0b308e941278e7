"""What the worker side of the end-to-end benchmark runs: a notifier that notes when a UPID
reaches "the channel", and the no-op job of the RQ floor. Both push ``channel time`` onto a
Redis list that the benchmark BLPOPs, so the time is taken in the worker, when it happens.

The notifier is loaded by the real worker (``jotunheim worker``) through
``JOTUNHEIM_WORKER_NOTIFIER=bench.timing:notifier_from_env``; ``BENCH_TIMING_URL`` and
``BENCH_TIMING_KEY`` say where to push (read when the factory is called, not at import).
"""

from __future__ import annotations

import itertools
import os
import time

import redis
from rq import get_current_job

from bot.ports.notify import CardShown, MessageRef, ReplyTarget, post_then
from bot.ports.reply import Reply

URL_ENV = "BENCH_TIMING_URL"
KEY_ENV = "BENCH_TIMING_KEY"


class UpidTimingNotifier:
    """Pushes ``<channel> <time>`` when a post carries a task id; counts everything else."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self._r = client
        self._key = key
        self._ids = itertools.count(1)

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        if any(f.label == "Task" for f in reply.fields):
            self._r.rpush(self._key, f"{target.channel} {time.time():.6f}")
        return MessageRef(channel=target.channel, id=f"t{next(self._ids)}")

    def post_card(self, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
        post_then(self, target, reply, shown)

    def update(self, ref: MessageRef, reply: Reply) -> None:
        del ref, reply  # progress and outcome edits are not what this benchmark times

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        del target, reply


def notifier_from_env() -> UpidTimingNotifier:
    return UpidTimingNotifier(redis.Redis.from_url(os.environ[URL_ENV]), os.environ[KEY_ENV])


def noop(key: str, channel: str) -> None:
    """The floor: an RQ job that does nothing but say it ran (on the worker's connection)."""
    job = get_current_job()
    if job is None:
        raise RuntimeError("noop runs as an RQ job")
    job.connection.rpush(key, f"{channel} {time.time():.6f}")
