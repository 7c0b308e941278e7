"""The worker context: everything a job needs, installed once by the worker's composition
root (``bot.run.worker``) before the first job runs, and read by jobs through ``current()``.

Job functions stay plain, importable and JSON-argumented; nothing is built at import time.
A ``ContextVar`` (not a module global) holds the context: a forked work horse inherits it,
and a test installs its own and resets it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

import redis

from actions.base import Action
from actions.common import ServerAction
from actions.config import ActionsConfig
from bot.ports.audit import AuditLog
from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.notify import Notifier
from jobs.config import JobSettings
from jobs.queue import Enqueuer
from jobs.state.chains import ChainStore
from jobs.state.inventory import Inventory
from jobs.state.locks import BusyLocks
from jobs.state.reservations import RedisVmidReservations
from proxmox.repositories import Proxmox

ActionFactory = Callable[["WorkerContext"], Action[Any]]


@dataclass(frozen=True)
class WorkerContext:
    redis: redis.Redis
    proxmox: Proxmox
    notifier: Notifier
    actions_config: ActionsConfig
    settings: JobSettings
    actions: Mapping[str, ActionFactory]
    audit: AuditLog | None = None  # None: no trail (tools and tests that do not read it)
    clock: Clock = SYSTEM_CLOCK

    @property
    def prefix(self) -> str:
        return self.settings.prefix

    @property
    def cluster(self) -> str:
        return self.settings.cluster

    # The Redis state a job reads and writes, all under this worker's prefix and cluster.
    def chains(self) -> ChainStore:
        return ChainStore(self.redis, prefix=self.prefix, clock=self.clock)

    def locks(self) -> BusyLocks:
        return BusyLocks(self.redis, prefix=self.prefix, cluster=self.cluster)

    def reservations(self) -> RedisVmidReservations:
        return RedisVmidReservations(self.redis, prefix=self.prefix, cluster=self.cluster)

    def inventory(self) -> Inventory:
        return Inventory(self.redis, prefix=self.prefix, cluster=self.cluster)

    def enqueuer(self) -> Enqueuer:
        return Enqueuer(self.redis, self.settings)

    def action_for(self, kind: str) -> Action[Any]:
        factory = self.actions.get(kind)
        if factory is None:
            raise LookupError(f"no Action is registered for job kind {kind!r}")
        return factory(self)


def plain(cls: type[ServerAction[Any]]) -> ActionFactory:
    """The factory of an Action that needs only the Proxmox facade and the configuration."""

    def factory(ctx: WorkerContext) -> ServerAction[Any]:
        return cls(ctx.proxmox, ctx.actions_config)

    return factory


_CURRENT: ContextVar[WorkerContext] = ContextVar("jotunheim_worker_context")


class NoWorkerContext(RuntimeError):
    """A job ran in a process whose composition root did not install a context."""


def install(context: WorkerContext) -> Token[WorkerContext]:
    return _CURRENT.set(context)


def uninstall(token: Token[WorkerContext]) -> None:
    _CURRENT.reset(token)


def current() -> WorkerContext:
    try:
        return _CURRENT.get()
    except LookupError:
        raise NoWorkerContext(
            "no worker context installed: start workers with `jotunheim worker`"
        ) from None


def installed() -> WorkerContext | None:
    return _CURRENT.get(None)


@contextmanager
def installed_context(context: WorkerContext) -> Iterator[WorkerContext]:
    token = install(context)
    try:
        yield context
    finally:
        uninstall(token)
