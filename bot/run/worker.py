"""``jotunheim worker``: the composition root of a worker process.

Loads ``PROXMOX_*``, ``REDIS_URL`` and ``JOTUNHEIM_WORKER_*``, builds the Proxmox facade,
the notifier, Redis and the audit log, installs the worker context, makes sure the
inventory sync is scheduled, and runs an RQ worker with its scheduler on the JSON
serializer, queues in priority order (high, default, low).

Before it takes a job it asks Redis for a PING and Proxmox for its version: no Redis, or a
token Proxmox rejects, stops it with one line (``bot.cli``); a cluster that does not answer
is one warning, and the worker starts anyway.
"""

from __future__ import annotations

import argparse
import importlib
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

import redis
from rq import SimpleWorker, Worker
from rq.serializers import JSONSerializer

from bot.adapters.console import ConsoleNotifier
from bot.notifiers import LogNotifier, RoutingNotifier
from bot.ports.audit import AuditLog
from bot.ports.invocation import Platform
from bot.ports.notify import Notifier
from bot.settings import ConfigError, load
from bot.settings.plan import BackupSettings, PlanSettings
from bot.settings.proxmox import ProxmoxSettings
from bot.settings.redis import RedisSettings
from bot.settings.worker import WorkerSettings
from jobs import backup, server
from jobs.config import PRIORITIES
from jobs.context import ActionFactory, WorkerContext, installed_context
from jobs.kinds import KINDS, RUN_CHAIN
from jobs.node import schedule_inventory_sync
from jobs.queue import rq_queue
from proxmox.client import ProxmoxClient
from proxmox.errors import ProxmoxApiException
from proxmox.repositories import Proxmox

log = logging.getLogger("jotunheim.worker")


PLATFORM_NOTIFIERS = {
    "slack": "bot.adapters.slack.notifier:from_env",
    "discord": "bot.adapters.discord.notifier:from_env",
}


def _print_line(line: str) -> None:
    print(line, flush=True)


def build_notifier(spec: str, connection: redis.Redis, prefix: str) -> Notifier:
    """``log``, ``console``, platforms to post to (``slack,discord``), or ``module:factory``.

    Platform notifiers live in their adapters and are imported by name, so that ``bot/``
    never imports an adapter; a worker serving several platforms routes by the request's.
    """
    if spec == "log":
        log.warning("JOTUNHEIM_WORKER_NOTIFIER=log: task updates go to the log, not to chat")
        return LogNotifier()
    if spec == "console":
        return ConsoleNotifier(_print_line)
    if ":" in spec:
        factory: Callable[[], Notifier] = _resolve(spec)
        return factory()
    platforms = [p.strip() for p in spec.split(",") if p.strip()]
    unknown = sorted(set(platforms) - set(PLATFORM_NOTIFIERS))
    if unknown or not platforms:
        raise ConfigError(
            "JOTUNHEIM_WORKER_NOTIFIER: expected log, console, a list of "
            f"{', '.join(PLATFORM_NOTIFIERS)} or module:factory, got {spec!r}"
        )
    routes: dict[Platform, Notifier] = {}
    if "slack" in platforms:
        routes["slack"] = _resolve(PLATFORM_NOTIFIERS["slack"])(connection, prefix)
    if "discord" in platforms:
        routes["discord"] = _resolve(PLATFORM_NOTIFIERS["discord"])(connection, prefix)
    return RoutingNotifier(routes, fallback=LogNotifier())


def _resolve(spec: str) -> Callable[..., Notifier]:
    module_name, _, attr = spec.partition(":")
    factory: Callable[..., Notifier] = getattr(importlib.import_module(module_name), attr)
    return factory


def build_context(
    proxmox: ProxmoxSettings,
    redis_settings: RedisSettings,
    worker: WorkerSettings,
    *,
    plan: PlanSettings,
    backup: BackupSettings,
) -> WorkerContext:
    client = ProxmoxClient(
        proxmox.url,
        proxmox.token_id,
        proxmox.token_secret,
        timeout=proxmox.timeout,
        connect_timeout=proxmox.connect_timeout,
        verify=proxmox.verify(),
    )
    connection = redis.Redis.from_url(redis_settings.url)
    context = WorkerContext(
        redis=connection,
        proxmox=Proxmox(client),
        notifier=build_notifier(worker.notifier, connection, worker.key_prefix),
        actions_config=worker.actions(plan, backup),
        settings=worker.jobs(),
        actions=action_factories(),
        audit=AuditLog(connection, prefix=worker.key_prefix),
    )
    check_actions(context)
    return context


def action_factories() -> dict[str, ActionFactory]:
    """kind → Action factory: every domain module's Actions (``jobs.kinds`` says which run
    through the chain engine)."""
    return {**server.ACTIONS, **backup.ACTIONS}


def check_actions(context: WorkerContext) -> None:
    """Each Action-backed kind has an Action, under the kind's own name: a worker that
    would fail every job of a kind refuses to start instead."""
    for name, kind in KINDS.items():
        if kind.function != RUN_CHAIN:
            continue
        try:
            action = context.action_for(name)
        except LookupError:
            raise ConfigError(f"job kind {name} has no Action") from None
        if action.name != name:
            raise ConfigError(f"job kind {name} is wired to the Action {action.name}")


def context_from_environment(worker: WorkerSettings) -> WorkerContext:
    """What ``jotunheim worker`` runs with, every setting from the environment."""
    return build_context(
        load(ProxmoxSettings),
        load(RedisSettings),
        worker,
        plan=load(PlanSettings),  # the bot loads the same two: it refuses against them too
        backup=load(BackupSettings),
    )


def check_proxmox(proxmox: Proxmox) -> None:
    """One call before the first job. A token Proxmox rejects would fail every job: the
    worker does not start. A cluster that does not answer (down, rebooting, a network
    blip) may be back before the first job, whose calls retry anyway: only a warning."""
    try:
        proxmox.cluster.version()
    except ProxmoxApiException as exc:  # its message already names the problem and the call
        if exc.status == 401:
            raise ConfigError(str(exc)) from exc
        url = _without_credentials(proxmox.client.base_url.removesuffix("/api2/json"))
        log.warning("%s (PROXMOX_URL=%s); the worker starts anyway", exc, url)


def _without_credentials(url: str) -> str:
    """The URL as a log may show it: without a ``user:password@`` part, should it have one."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="jotunheim worker", description=__doc__)
    parser.add_argument("--queues", default=",".join(PRIORITIES), help="high,default,low")
    parser.add_argument("--burst", action="store_true", help="quit when the queues are empty")
    parser.add_argument("--simple", action="store_true", help="run jobs in-process (no fork)")
    parser.add_argument("--name", default=None, help="worker name (default: host.pid)")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(message)s")
    worker_settings = load(WorkerSettings)
    context = context_from_environment(worker_settings)
    settings = context.settings
    priorities = [p.strip() for p in args.queues.split(",") if p.strip()]
    unknown = sorted(set(priorities) - set(PRIORITIES))
    if unknown:
        raise ConfigError(f"--queues: unknown priority {', '.join(unknown)}")
    queues = [rq_queue(context.redis, settings, p) for p in PRIORITIES if p in priorities]
    context.redis.ping()  # no Redis: bot.cli says so in one line, before RQ tries at length
    check_proxmox(context.proxmox)
    worker_class = SimpleWorker if args.simple else Worker
    worker = worker_class(
        queues,
        connection=context.redis,
        serializer=JSONSerializer,
        name=args.name,
        maintenance_interval=worker_settings.maintenance_interval,
    )
    with installed_context(context):
        schedule_inventory_sync(context.redis, settings)
        log.info("worker on %s", ", ".join(q.name for q in queues))
        worker.work(burst=args.burst, with_scheduler=True, logging_level=args.log_level)
    context.proxmox.client.close()
    return 0
