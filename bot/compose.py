"""Composition root of the bot process: Redis, stores, the job queue and the command handler.

Adapters call ``compose_bot(notifier)`` with their platform notifier; tests and the demo call
``build_handler`` with their own Redis client and queue. Nothing is built at import time.

The bot's Redis client (``bot_redis``) has short socket timeouts and no retries: the handler
answers inside the platform's 3-second ack, so an unreachable or hung Redis must turn into
"the queue is unavailable, nothing was done" in about half a second, not a hang.
"""

from __future__ import annotations

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from bot.commands import build_registry
from bot.commands.registry import Command
from bot.dispatch import Dispatcher, Stores
from bot.policy import BusyLookup, Policy
from bot.ports.audit import AuditLog
from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.notify import BotNotifier
from bot.progress import JobBoard
from bot.refusals import CertainRefusals
from bot.settings import ConfigError, load
from bot.settings.plan import BackupSettings, PlanSettings
from bot.settings.policy import PolicySettings
from bot.settings.redis import RedisSettings
from bot.store.approvals import ApprovalStore, ConfirmationStore
from bot.store.identities import IdentityStore
from bot.store.ratelimit import RateLimiter
from bot.store.refs import RequestRefs
from bot.submit import JobSubmitter
from jobs.queue import JobQueue
from jobs.state.cards import CardRecords
from jobs.state.inventory import Inventory

# Seconds. A healthy Redis answers the ack path's commands in well under a millisecond.
REDIS_SOCKET_TIMEOUT = 0.5
REDIS_CONNECT_TIMEOUT = 0.5
# No retries: redis-py nests them (per command, and again per connect handshake), so
# one retry already quadruples the wait. A pooled connection that Redis closed (restart)
# is still replaced: the pool notices the closed socket when it hands the connection out.
REDIS_RETRIES = 0
# Idle pooled connections are checked with a PING before use after this many seconds.
REDIS_HEALTH_CHECK_INTERVAL = 30


def bot_redis(url: str) -> redis.Redis:
    """A Redis client for a bot process (Slack, Discord): bounded waits on the ack path."""
    return redis.Redis.from_url(
        url,
        socket_timeout=REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
        retry=Retry(NoBackoff(), REDIS_RETRIES),
        health_check_interval=REDIS_HEALTH_CHECK_INTERVAL,
    )


def build_handler(
    client: redis.Redis,
    notifier: BotNotifier,
    queue: JobQueue,
    *,
    settings: PolicySettings,
    busy: BusyLookup | None = None,
    plan: PlanSettings | None = None,
    backup: BackupSettings | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> Dispatcher:
    """``plan`` and ``backup`` default to the defaults a worker without those variables uses
    (never to the environment: tests and the demo pass what their worker uses)."""
    prefix = settings.redis_prefix
    plan = plan or PlanSettings.model_construct()
    backup = backup or BackupSettings.model_construct()
    registry = build_registry()
    _check_approval_commands(settings, registry.commands)
    identities = IdentityStore(client, prefix=prefix, invite_ttl=settings.invite_ttl_seconds)
    inventory = Inventory(client, prefix=prefix, cluster=settings.cluster_name)
    limiter = RateLimiter(
        client,
        prefix=prefix,
        limit=settings.rate_limit_per_minute,
        account_limit=settings.rate_limit_per_account_per_minute,
        clock=clock,
    )
    policy = Policy(settings, identities, inventory, limiter, busy, clock=clock)
    stores = Stores(
        identities=identities,
        inventory=inventory,
        approvals=ApprovalStore(
            client, prefix=prefix, ttl=settings.approval_ttl_seconds, clock=clock
        ),
        confirmations=ConfirmationStore(client, prefix=prefix, ttl=settings.confirm_ttl_seconds),
        audit=AuditLog(client, prefix=prefix, maxlen=settings.audit_maxlen, clock=clock),
        jobs=JobBoard(client, prefix=prefix),
        cards=CardRecords(client, prefix=prefix),
    )
    refusals = CertainRefusals(limits=plan.limits(), backup_storage=backup.storage)
    jobs = JobSubmitter(queue, stores.audit, RequestRefs(client, prefix=prefix), prefix=prefix)
    return Dispatcher(registry, policy, stores, jobs, notifier, refusals=refusals)


def compose_bot(
    notifier: BotNotifier,
    *,
    settings: PolicySettings | None = None,
    client: redis.Redis | None = None,
) -> Dispatcher:
    """The real thing: settings from the environment, RQ on ``REDIS_URL``, busy locks."""
    from jobs.config import JobSettings  # noqa: PLC0415  (RQ is imported only when composing)
    from jobs.queue import RqJobQueue  # noqa: PLC0415
    from jobs.state.locks import BusyLocks  # noqa: PLC0415

    settings = settings or load(PolicySettings)
    client = client or bot_redis(load(RedisSettings).url)
    prefix = settings.redis_prefix
    queue = RqJobQueue(client, settings=JobSettings(prefix=prefix))
    busy = BusyLocks(client, prefix=prefix, cluster=settings.cluster_name)
    # The worker loads the same two classes, so both refuse against the same numbers.
    plan, backup = load(PlanSettings), load(BackupSettings)
    return build_handler(
        client, notifier, queue, settings=settings, busy=busy, plan=plan, backup=backup
    )


def _check_approval_commands(settings: PolicySettings, commands: tuple[Command, ...]) -> None:
    names = {c.name for c in commands if c.scope == "server"}
    unknown = sorted((settings.approval_commands or frozenset()) - names)
    if unknown:
        raise ConfigError(
            f"invalid configuration: JOTUNHEIM_APPROVAL_COMMANDS: unknown command(s) {unknown}"
        )
