"""A notifier for worker subprocesses in these tests: every post and edit is pushed to a
Redis list the test reads (``RELIABILITY_NOTIFY_URL``, ``RELIABILITY_NOTIFY_KEY``); loaded
by ``jotunheim worker`` through ``JOTUNHEIM_WORKER_NOTIFIER=`` this module's ``from_env``."""

from __future__ import annotations

import itertools
import os

import redis

from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply


class RedisListNotifier:
    def __init__(self, client: redis.Redis, key: str) -> None:
        self._r, self._key, self._ids = client, key, itertools.count(1)

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        self._r.rpush(self._key, reply.text)
        return MessageRef(channel=target.channel, id=f"{os.getpid()}-{next(self._ids)}")

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._r.rpush(self._key, reply.text)

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self._r.rpush(self._key, f"(private) {reply.text}")


def from_env() -> RedisListNotifier:
    client = redis.Redis.from_url(os.environ["RELIABILITY_NOTIFY_URL"])
    return RedisListNotifier(client, os.environ["RELIABILITY_NOTIFY_KEY"])
