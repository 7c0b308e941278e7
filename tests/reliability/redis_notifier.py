"""A notifier for worker subprocesses in these tests: every post, edit and private message
is pushed to a Redis list the test reads (``RELIABILITY_NOTIFY_URL``,
``RELIABILITY_NOTIFY_KEY``); loaded by ``jotunheim worker`` through
``JOTUNHEIM_WORKER_NOTIFIER=`` this module's ``from_env``.

``said`` reads the list back, and ``share_with`` hands the messages the subprocess posted to
the test's ``ChatRecorder``: on a real platform the worker that takes over a killed one's
chain edits the same message the dead one posted (the request's card)."""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass

import redis

from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply
from tests.support.chat import ChatRecorder, How, Notified, Shown


@dataclass(frozen=True)
class Said:
    how: How
    reply: Reply
    message: str | None = None
    channel: str | None = None
    reply_to: str | None = None


class RedisListNotifier:
    def __init__(self, client: redis.Redis, key: str) -> None:
        self._r, self._key, self._ids = client, key, itertools.count(1)

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        ref = MessageRef(channel=target.channel, id=f"{os.getpid()}-{next(self._ids)}")
        self._push("post", reply, ref.id, target.channel, target.reply_to)
        return ref

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._push("edit", reply, ref.id, ref.channel)

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self._push("private", reply)

    def _push(self, how: Notified, reply: Reply, *where: str | None) -> None:
        message, channel, reply_to = (*where, None, None, None)[:3]
        record = {"how": how, "reply": reply.model_dump(mode="json"), "message": message,
                  "channel": channel, "reply_to": reply_to}  # fmt: skip
        self._r.rpush(self._key, json.dumps(record))


def said(client: redis.Redis, key: str) -> list[Said]:
    """What the subprocess showed, in order."""
    raw: list[bytes] = client.lrange(key, 0, -1)  # type: ignore[assignment]
    records = [json.loads(item) for item in raw]
    return [
        Said(r["how"], Reply.model_validate(r["reply"]), r["message"], r["channel"], r["reply_to"])
        for r in records
    ]


def as_said(shown: Shown) -> Said:
    """An entry of a ``ChatRecorder`` read like what the subprocess said."""
    reply_to = shown.target.reply_to if shown.target is not None else None
    return Said(shown.how, shown.reply, shown.message, shown.channel, reply_to)


def share_with(chat: ChatRecorder, shown: list[Said]) -> None:
    """Make the messages the subprocess posted editable through ``chat``, as they read now."""
    for s in shown:
        if s.message is not None and s.channel is not None:
            chat.current[s.message] = s.reply
            chat.channel_of[s.message] = s.channel


def from_env() -> RedisListNotifier:
    client = redis.Redis.from_url(os.environ["RELIABILITY_NOTIFY_URL"])
    return RedisListNotifier(client, os.environ["RELIABILITY_NOTIFY_KEY"])
