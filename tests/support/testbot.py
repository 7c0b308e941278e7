"""The testbot (errbot's ``testbot``, cosmicpython's bootstrap): the whole product, composed
the way ``jotunheim demo`` composes it, driven the way people use it.

The real command handler (registry, parser, policy, Redis stores) on a real ``redis-server``
with AOF on, a real RQ worker (``SimpleWorker`` bursts with the JSON serializer and the
scheduler, in the test's thread) running the real Actions against the Proxmox VE simulator
over loopback HTTP, and one ``ChatRecorder`` as the notifier of both.

People (console identities): ``alice`` (customer of acme: 101 acme-web, 102 acme-db),
``gina`` (customer of globex: 103), ``boss`` and ``root`` (admins), ``mallory`` (not linked).
Each person speaks in a room of their own; admins also sit in the ``admins`` channel where
approval cards go.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast, get_args

import redis
from pydantic import SecretStr
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer

from bot.dispatch import Dispatcher
from bot.ports import ButtonClick, ClickResult
from bot.ports.invocation import Identity, Invocation, Scope
from bot.ports.notify import BotNotifier, Notifier
from bot.ports.reply import Button, Reply
from bot.run.demo import compose_demo, demo_policy, demo_worker_settings
from bot.settings.policy import PolicySettings
from bot.settings.worker import WorkerSettings
from jobs.config import PRIORITIES
from jobs.context import WorkerContext, installed_context
from jobs.node import sync_inventory
from jobs.queue import JobQueue, JobRequest, rq_queue
from proxmox.client import ProxmoxClient
from proxmox.repositories import Proxmox
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator
from proxmox.simulator.app import RecordedCall
from tests.support.chat import ChatRecorder, Shown
from tests.support.clock import FakeClock

ADMINS = ("boss", "root")
CUSTOMERS = {"alice": "acme", "gina": "globex"}
ADMIN_CHANNEL = "admins"
_WRITES = {"POST", "PUT", "DELETE"}


class SettleTimeout(AssertionError):
    """The worker did not run out of work within the time a test allowed."""


def identity(user: str) -> Identity:
    return Identity(platform="console", workspace="console", user=user)


def room(user: str) -> str:
    return f"room-{user}"


@dataclass
class TestBot:
    __test__ = False  # a kit, not a test class

    client: redis.Redis
    prefix: str
    sim: Simulator
    handler: Dispatcher
    worker: WorkerContext
    chat: ChatRecorder
    clock: FakeClock
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- what people do ---------------------------------------------------------------------
    def send(self, user: str, line: str, *, channel: str | None = None) -> Reply:
        """``/server resize 101 cpu=4`` typed by ``user``; the bot's direct answer."""
        word, _, text = line.strip().partition(" ")
        scope = word.removeprefix("/")
        assert word.startswith("/"), f"not a command: {line!r}"
        assert scope in get_args(Scope), f"not a command: {line!r}"
        invocation = Invocation(
            identity=identity(user),
            display_name=user,
            channel=channel or room(user),
            scope=cast(Scope, scope),
            text=text,
            inbound_id=f"{self.prefix}-in-{next(self._ids)}",
        )
        reply = self.handler.handle(invocation)
        self.chat.answered(user, reply)
        return reply

    def invocation(
        self,
        user: str,
        line: str,
        *,
        channel: str | None = None,
        as_identity: Identity | None = None,
        roles: frozenset[str] = frozenset(),
        direct_message: bool = False,
    ) -> Invocation:
        """The ``Invocation`` an adapter would build for ``line``, for a test that delivers it
        itself (twice, as a redelivered event) or needs what ``send`` does not set: another
        platform's identity, the chat roles, a direct message."""
        word, _, text = line.strip().partition(" ")
        scope = word.removeprefix("/")
        assert word.startswith("/"), f"not a command: {line!r}"
        assert scope in get_args(Scope), f"not a command: {line!r}"
        return Invocation(
            identity=as_identity or identity(user),
            display_name=user,
            channel=channel or room(user),
            scope=cast(Scope, scope),
            text=text,
            inbound_id=f"{self.prefix}-in-{next(self._ids)}",
            roles=roles,
            is_direct_message=direct_message,
        )

    def deliver(self, user: str, invocation: Invocation) -> Reply:
        """Hand the handler this invocation (again, when a platform redelivers an event);
        its direct answer is recorded as shown to ``user``."""
        reply = self.handler.handle(invocation)
        self.chat.answered(user, reply)
        return reply

    def click(self, user: str, button: Button, *, reason: str | None = None) -> ClickResult:
        message = self._message_with(button)
        click = ButtonClick(
            identity=identity(user),
            display_name=user,
            action=button.action,
            value=button.value,
            inbound_id=f"{self.prefix}-click-{next(self._ids)}",
            channel=self.chat.channel_of.get(message or "", room(user)),
            message_id=message,
            reason=reason,
        )
        result = self.handler.click(click)
        self.chat.answered(user, result.to_clicker)
        if result.replace_message is not None and message is not None:
            self.chat.replaced(self.chat.channel_of[message], message, result.replace_message)
        return result

    def confirm(self, user: str) -> Reply:
        """Click Confirm on the newest confirmation this person was shown."""
        return self.click(user, self.button(user, "confirm")).to_clicker

    def approve(self, admin: str, approval: str | None = None) -> ClickResult:
        return self.click(admin, self.button(admin, "approve", approval))

    def deny(
        self, admin: str, approval: str | None = None, reason: str | None = "not on your plan"
    ) -> ClickResult:
        """Deny, answering the form that asks why (``reason=None``: just the click)."""
        return self.click(admin, self.button(admin, "deny", approval), reason=reason)

    def button(self, user: str, action: str, value: str | None = None) -> Button:
        """The newest button of this kind among what ``user`` was shown."""
        for shown in reversed(self.seen(user)):
            for button in shown.reply.buttons:
                if button.action == action and value in (None, button.value):
                    return button
        raise AssertionError(
            f"{user} was shown no {action} button" + (f" for {value}" * bool(value))
        )

    def _message_with(self, button: Button) -> str | None:
        """The posted message that shows this button now (None: it was a direct answer)."""
        found = [m for m, reply in self.chat.current.items() if button in reply.buttons]
        return found[-1] if found else None

    # -- what people saw --------------------------------------------------------------------
    def channels_of(self, user: str) -> set[str]:
        return {room(user)} | ({ADMIN_CHANNEL} if user in ADMINS else set())

    def seen(self, user: str, *, since: int = 0) -> list[Shown]:
        """Every message this person saw, posted or edited, in order."""
        return self.chat.seen_by(user, self.channels_of(user), since=since)

    def seen_text(self, user: str, *, since: int = 0) -> str:
        return "\n".join(s.text for s in self.seen(user, since=since))

    def mark(self) -> int:
        return self.chat.mark()

    # -- what happened ----------------------------------------------------------------------
    @property
    def calls(self) -> list[RecordedCall]:
        """The simulator's request log."""
        return self.sim.calls

    def writes(self) -> list[RecordedCall]:
        return [c for c in self.sim.calls if c.method in _WRITES]

    def jobs_created(self) -> int:
        """RQ jobs this bot's queues have ever held (nothing enqueued stays 0)."""
        return sum(1 for _ in self.client.scan_iter(match=f"rq:job:{self.prefix}-*", count=1000))

    def posts(self) -> list[Shown]:
        """Every message posted to a channel (not answers, edits or private messages)."""
        return [s for s in self.chat.shown if s.how == "post"]

    def requests(self) -> dict[str, JobRequest]:
        """What the bot enqueued: job id → the request its RQ job carries, oldest first.
        Only submitted jobs: the steps, tracking and deliveries a worker adds are not."""
        found: list[tuple[float, str, JobRequest]] = []
        for key in self.client.scan_iter(match=f"rq:job:{self.prefix}-*", count=1000):
            job_id = key.decode().removeprefix("rq:job:")
            job = Job.fetch(job_id, connection=self.client, serializer=JSONSerializer)
            if job.meta.get("root") == job_id:  # a chain's root: the submitted job itself
                created = job.created_at.timestamp() if job.created_at else 0.0
                found.append((created, job_id, JobRequest.model_validate(job.args[0])))
        return {job_id: request for _, job_id, request in sorted(found)}

    def audit_events(self) -> list[str]:
        return [e.event for e in reversed(self.handler.stores.audit.recent(limit=1000))]

    def settle(self, timeout: float = 30.0, *, until: Callable[[], bool] | None = None) -> None:
        """Run the real worker until nothing is queued, scheduled, deferred or running; or,
        given ``until``, until that holds (work a test's own worker process leaves behind
        never runs out: the repeating inventory sync that every worker start schedules)."""
        queues = [rq_queue(self.client, self.worker.settings, p) for p in PRIORITIES]
        deadline = time.monotonic() + timeout

        def busy() -> bool:
            return not until() if until is not None else _work_left(queues)

        with installed_context(self.worker):
            while busy():
                if time.monotonic() > deadline:
                    raise SettleTimeout(f"the worker still had work after {timeout:g} s")
                SimpleWorker(queues, connection=self.client, serializer=JSONSerializer).work(
                    burst=True, with_scheduler=True, logging_level="WARNING"
                )
                time.sleep(0.02)

    def work_once(self) -> None:
        """One burst of the real worker without its scheduler: what is queued runs (and what
        that queues), while what it schedules for later (a tracking poll, a retry) stays
        scheduled — a chain caught in the middle, e.g. waiting on a long Proxmox task."""
        queues = [rq_queue(self.client, self.worker.settings, p) for p in PRIORITIES]
        with installed_context(self.worker):
            SimpleWorker(queues, connection=self.client, serializer=JSONSerializer).work(
                burst=True, with_scheduler=False, logging_level="WARNING"
            )

    def sync(self) -> None:
        with installed_context(self.worker):
            assert sync_inventory()["synced"] is True


def _work_left(queues: list[Queue]) -> bool:
    for queue in queues:
        if queue.count or queue.scheduled_job_registry.count:
            return True
        if queue.deferred_job_registry.count or queue.started_job_registry.count:
            return True
    return False


@contextmanager
def running_testbot(
    client: redis.Redis,
    prefix: str,
    *,
    sim: Simulator | None = None,
    policy: Mapping[str, object] | None = None,
    worker: Mapping[str, object] | None = None,
    notifier: BotNotifier | None = None,
    worker_notifier: Notifier | None = None,
    clock: FakeClock | None = None,
    queue: Callable[[JobQueue], JobQueue] | None = None,
    proxmox_timeout: float | None = None,
) -> Iterator[TestBot]:
    """A testbot on ``client`` under ``prefix`` (its keys and RQ keys removed afterwards).

    ``notifier`` replaces the chat recorder as the bot's notifier and ``worker_notifier``
    (default: ``notifier``) as the worker's: a platform kit passes its real notifiers in front
    of a mock chat API, and the recorder then holds only the answers of ``send`` and
    ``click``. Bot and worker read ``clock`` (default: a fresh ``FakeClock``), so a test moves
    time with ``bot.clock.advance(seconds)``; RQ's scheduler still runs on real time.
    ``queue`` wraps the bot's real job queue (a test's fault-injecting fake of the
    ``JobQueue`` port around it). ``proxmox_timeout`` replaces the worker's Proxmox read
    timeout (``PROXMOX_TIMEOUT``, 30 s) for a test whose simulator hangs a request."""
    sim = sim or _fast_demo_simulator()
    clock = clock or FakeClock()
    chat = ChatRecorder()
    bot_notifier = notifier or chat
    policy_values = {"admins_console": frozenset(ADMINS), "rate_limit_per_minute": 1000}
    policy_settings: PolicySettings = demo_policy(**{**policy_values, **(policy or {})})
    worker_values: dict[str, object] = {"retry_intervals": (1,), **(worker or {})}
    worker_settings: WorkerSettings = demo_worker_settings(**worker_values)
    with sim.serve() as base_url:
        handler, context = compose_demo(
            client,
            base_url,
            prefix,
            bot_notifier,
            policy=policy_settings,
            worker=worker_settings,
            clock=clock,
        )
        if proxmox_timeout is not None:
            # compose_demo takes no Proxmox settings: the same client, giving up sooner.
            context.proxmox.client.close()
            api = ProxmoxClient(
                base_url, SIM_TOKEN_ID, SecretStr(SIM_TOKEN_SECRET), timeout=proxmox_timeout
            )
            context = dataclasses.replace(context, proxmox=Proxmox(api))
        if worker_notifier is not None:
            context = dataclasses.replace(context, notifier=worker_notifier)
        if queue is not None:
            handler.jobs.queue = queue(handler.jobs.queue)
        for user, account in CUSTOMERS.items():
            handler.stores.identities.link(identity(user), account)
        bot = TestBot(client, prefix, sim, handler, context, chat, clock)
        bot.sync()
        sim.clear_calls()
        try:
            yield bot
        finally:
            context.proxmox.client.close()
            _delete_keys(client, prefix)


def _fast_demo_simulator() -> Simulator:
    sim = Simulator.demo()
    sim.time_scale = 0.0  # tasks end at once: tracking sees the outcome on its first look
    return sim


def _delete_keys(client: redis.Redis, prefix: str) -> None:
    for pattern in (f"{prefix}:*", f"rq:*{prefix}*"):
        keys = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
