"""A command layer on real Redis (db 15, own key prefix per test) with recording fakes for the
job queue and the notifier, and a small inventory: acme owns 101 and 102, globex owns 201."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis

from bot.compose import build_handler
from bot.dispatch import Dispatcher
from bot.ports import ButtonClick, ClickResult
from bot.ports.invocation import Identity, Invocation, Scope
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply
from bot.settings.policy import PolicySettings
from jobs.queue import JobRequest, Submitted
from jobs.state.inventory import Inventory, InventoryEntry

GiB = 1024**3


class RecordingQueue:
    """Records submissions; one job per inbound id, like the real queue."""

    def __init__(self) -> None:
        self.submitted: list[JobRequest] = []
        self.fail_with: Exception | None = None
        self._lock = threading.Lock()

    def submit(self, request: JobRequest) -> Submitted:
        if self.fail_with is not None:
            raise self.fail_with
        with self._lock:
            duplicate = any(r.inbound_id == request.inbound_id for r in self.submitted)
            if not duplicate:
                self.submitted.append(request)
        return Submitted(job_id=f"job-{request.inbound_id}", duplicate=duplicate)


class RecordingNotifier:
    def __init__(self) -> None:
        self.posts: list[tuple[ReplyTarget, Reply]] = []
        self.private: list[tuple[ReplyTarget, Reply]] = []
        self._ids = itertools.count(1)

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        self.posts.append((target, reply))
        return MessageRef(channel=target.channel, id=str(next(self._ids)))

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self.posts.append(
            (
                ReplyTarget(platform="console", workspace="-", channel=ref.channel, requester="-"),
                reply,
            )
        )

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        self.private.append((target, reply))


@dataclass
class FakeBusyHolder:
    job_id: str
    kind: str
    requester: str
    since: float


@dataclass
class FakeBusy:
    held: dict[int, FakeBusyHolder] = field(default_factory=dict)

    def holder(self, vmid: int) -> FakeBusyHolder | None:
        return self.held.get(vmid)


@dataclass
class World:
    handler: Dispatcher
    queue: RecordingQueue
    notifier: RecordingNotifier
    busy: FakeBusy
    inventory: Inventory
    client: redis.Redis
    prefix: str
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def say(
        self, user: str, text: str, scope: Scope = "server", roles: frozenset[str] = frozenset()
    ) -> Reply:
        return self.handler.handle(self.invocation(user, text, scope, roles))

    def invocation(
        self, user: str, text: str, scope: Scope = "server", roles: frozenset[str] = frozenset()
    ) -> Invocation:
        return Invocation(
            identity=identity(user),
            display_name=user,
            channel="general",
            scope=scope,
            text=text,
            inbound_id=f"in-{next(self.counter)}",
            roles=roles,
        )

    def click(self, user: str, action: str, value: str, reason: str | None = None) -> ClickResult:
        return self.handler.click(
            ButtonClick(
                identity=identity(user),
                display_name=user,
                action=action,
                value=value,
                inbound_id=f"click-{next(self.counter)}",
                channel="general",
                reason=reason,
            )
        )

    def audit_events(self) -> list[str]:
        return [e.event for e in reversed(self.handler.stores.audit.recent(limit=500))]


def identity(user: str) -> Identity:
    return Identity(platform="console", workspace="ws", user=user)


def settings(**overrides: object) -> PolicySettings:
    base: dict[str, Any] = {
        "admins_console": frozenset({"boss", "root"}),
        "admin_channel_console": "admins",
    }
    base.update(overrides)
    return PolicySettings.model_validate(base)


def make_world(client: redis.Redis, prefix: str, policy: PolicySettings | None = None) -> World:
    queue, notifier, busy = RecordingQueue(), RecordingNotifier(), FakeBusy()
    chosen = (policy or settings()).model_copy(update={"redis_prefix": prefix})
    handler = build_handler(client, notifier, queue, settings=chosen, busy=busy)
    inventory = Inventory(client, prefix=prefix)
    inventory.replace_all(
        [
            InventoryEntry(
                vmid=101,
                node="pve1",
                name="web1",
                status="running",
                owner="acme",
                cores=2,
                memory_mib=2048,
                disk_bytes=20 * GiB,
            ),
            InventoryEntry(
                vmid=102,
                node="pve1",
                name="db1",
                status="stopped",
                owner="acme",
                cores=4,
                memory_mib=8192,
                disk_bytes=40 * GiB,
            ),
            InventoryEntry(
                vmid=201,
                node="pve2",
                name="shop",
                status="running",
                owner="globex",
                cores=2,
                memory_mib=4096,
                disk_bytes=30 * GiB,
            ),
        ],
        now=1.0,
    )
    handler.stores.identities.link(identity("alice"), "acme")
    handler.stores.identities.link(identity("gina"), "globex")
    return World(handler, queue, notifier, busy, inventory, client, prefix)


@pytest.fixture
def world(redis_client: redis.Redis, key_prefix: str) -> World:
    return make_world(redis_client, key_prefix)
