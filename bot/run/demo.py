"""``jotunheim demo [--script]``: the whole bot in one process, nothing to configure.

The Proxmox VE simulator serves the demo fleet over real HTTP on a free loopback port; Redis is
the server at ``REDIS_URL`` when one answers (under a key prefix of the demo's own, removed at
exit), else an embedded fakeredis; an RQ worker runs in a background thread with the same
composition, JSON serializer and context as ``jotunheim worker``. A demo customer
(``console:alice`` → account ``acme``, servers 101 and 102) and a demo admin (``console:boss``)
are linked, the inventory is synced, and the console opens. ``--script`` plays a whole
conversation instead and prints it as a transcript.
"""

from __future__ import annotations

import argparse
import dataclasses
import secrets
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import redis
from pydantic import SecretStr

from bot.adapters.console import PROMPT_HELP, ConsoleNotifier, ConsoleSession, parse_identity
from bot.compose import build_handler
from bot.dispatch import Dispatcher
from bot.ports.audit import AuditLog
from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.notify import BotNotifier
from bot.run.demo_script import ACCOUNT, ADMIN, CUSTOMER, play
from bot.run.worker import build_context
from bot.settings import ConfigError, load
from bot.settings.plan import BackupSettings, PlanSettings
from bot.settings.policy import PolicySettings
from bot.settings.proxmox import ProxmoxSettings
from bot.settings.redis import RedisSettings
from bot.settings.worker import WorkerSettings
from jobs.context import WorkerContext, installed_context
from jobs.inprocess import InProcessWorker
from jobs.node import schedule_inventory_sync, sync_inventory
from jobs.queue import RqJobQueue
from jobs.state.locks import BusyLocks
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator


class Transcript:
    """One writer for everything printed (the person's replies and the worker's posts)."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()

    def line(self, text: str) -> None:
        with self._lock:
            self._out.write(text + "\n")
            self._out.flush()


@dataclasses.dataclass(frozen=True)
class Demo:
    handler: Dispatcher
    worker: InProcessWorker
    context: WorkerContext
    transcript: Transcript


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="jotunheim demo", description=__doc__)
    parser.add_argument("--script", action="store_true", help="play a conversation and exit")
    parser.add_argument("--prefix", default=None, help="Redis key prefix (default: demo-<random>)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=None,
        help="simulated task durations times this (default: 0 with --script, 0.3 otherwise)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a job")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    transcript = Transcript(sys.stdout)
    prefix = args.prefix or f"demo-{secrets.token_hex(4)}"
    scale = args.time_scale if args.time_scale is not None else (0.0 if args.script else 0.3)
    sim = Simulator.demo()
    sim.time_scale = scale
    with sim.serve() as base_url, _redis(prefix, transcript) as client:
        transcript.line(f"simulator: Proxmox VE demo fleet at {base_url} (time scale {scale:g})")
        with running(client, base_url, prefix, transcript, interactive=not args.script) as demo:
            if args.script:
                return play(demo.handler, demo.worker, transcript.line, timeout=args.timeout)
            return _console(demo)


@contextmanager
def _redis(prefix: str, transcript: Transcript) -> Iterator[redis.Redis]:
    url = load(RedisSettings).url
    client, embedded, description = choose_redis(url)
    transcript.line(description)
    try:
        yield client
    finally:
        if not embedded:
            removed = remove_demo_keys(client, prefix)
            transcript.line(f"removed the demo's {removed} Redis keys (prefix {prefix})")
        client.close()


def compose_demo(
    client: redis.Redis,
    base_url: str,
    prefix: str,
    notifier: BotNotifier,
    *,
    policy: PolicySettings | None = None,
    worker: WorkerSettings | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[Dispatcher, WorkerContext]:
    """The bot's handler and a worker's context on one Redis client and the simulator at
    ``base_url``, both posting through ``notifier``, with the demo customer linked. The demo
    and the test suite's testbot compose the product through this one function; the testbot
    passes its own ``clock`` to both."""
    plan, backup = PlanSettings(), BackupSettings()  # one copy for the bot and the worker
    context = _worker_context(
        client, base_url, prefix, notifier, worker, plan=plan, backup=backup, clock=clock
    )
    policy = (policy or demo_policy()).model_copy(update={"redis_prefix": prefix})
    queue = RqJobQueue(client, settings=context.settings)
    busy = BusyLocks(client, prefix=prefix, cluster=policy.cluster_name)
    handler = build_handler(
        client, notifier, queue, settings=policy, busy=busy, plan=plan, backup=backup, clock=clock
    )
    handler.stores.identities.link(parse_identity(CUSTOMER), ACCOUNT)
    return handler, context


def demo_policy(**overrides: object) -> PolicySettings:
    values: dict[str, object] = {
        "admins_console": frozenset({parse_identity(ADMIN).user}),
        "admin_channel_console": "admins",
    }
    values.update(overrides)
    return PolicySettings.model_validate(values)


def demo_worker_settings(**overrides: object) -> WorkerSettings:
    """Fast tracking and retries: the simulator's tasks are short."""
    values: dict[str, object] = {
        "tracking_intervals": (1,),
        "retry_intervals": (1, 2),
        "inventory_interval": 10,
        "notifier": "console",  # replaced by the notifier compose_demo is given
    }
    values.update(overrides)
    return WorkerSettings.model_validate(values)


@contextmanager
def running(
    client: redis.Redis, base_url: str, prefix: str, transcript: Transcript, *, interactive: bool
) -> Iterator[Demo]:
    """The bot and an in-process worker on ``client`` and the simulator at ``base_url``, with
    the demo's customer and admin linked and the inventory synced (tests use it too)."""
    handler, context = compose_demo(client, base_url, prefix, ConsoleNotifier(transcript.line))
    with installed_context(context):
        synced = sync_inventory()
        if interactive:
            schedule_inventory_sync(client, context.settings)
    transcript.line(
        f"linked {CUSTOMER} → account {ACCOUNT} (customer); {ADMIN} is an admin; "
        f"inventory synced: {synced.get('vms', 0)} VMs (prefix {prefix})"
    )
    # Failed jobs are told in the chat; RQ's own tracebacks would only clutter the console.
    worker = InProcessWorker(context, logging_level="CRITICAL")
    worker.start()
    transcript.line("worker: RQ SimpleWorker with scheduler in a background thread (JSON)")
    try:
        yield Demo(handler, worker, context, transcript)
    finally:
        worker.stop()
        context.proxmox.client.close()


def _worker_context(
    client: redis.Redis,
    base_url: str,
    prefix: str,
    notifier: BotNotifier,
    worker: WorkerSettings | None,
    *,
    plan: PlanSettings,
    backup: BackupSettings,
    clock: Clock,
) -> WorkerContext:
    """``jotunheim worker``'s composition, pointed at the simulator, this Redis client and
    this notifier."""
    proxmox = ProxmoxSettings(
        url=base_url, token_id=SIM_TOKEN_ID, token_secret=SecretStr(SIM_TOKEN_SECRET)
    )
    # The demo's own, already validated prefix.
    chosen = (worker or demo_worker_settings()).model_copy(update={"key_prefix": prefix})
    unused_redis = RedisSettings(url="redis://127.0.0.1:1/0")
    built = build_context(proxmox, unused_redis, chosen, plan=plan, backup=backup)
    built.redis.close()  # never used: the demo's own client (real or embedded) replaces it
    audit = AuditLog(client, prefix=prefix, clock=clock)
    return dataclasses.replace(built, redis=client, notifier=notifier, audit=audit, clock=clock)


def _console(demo: Demo) -> int:
    write = demo.transcript.line
    session = ConsoleSession(demo.handler, parse_identity(CUSTOMER), write)
    write(f"you are {CUSTOMER} (customer of {ACCOUNT}); 'as {ADMIN}' to be the admin")
    write(f"try: /server list, /server resize 101 cpu=4 disk=40G, /server help; {PROMPT_HELP}")
    try:
        for line in sys.stdin:
            if not session.feed(line):
                break
    except KeyboardInterrupt:
        write("")
    return 0


def choose_redis(url: str) -> tuple[redis.Redis, bool, str]:
    """The Redis at ``url`` if it answers, else an embedded fakeredis; and what was chosen."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1.0)
    shown = shown_url(client)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        client.close()
    else:
        return client, False, f"Redis: using the server at {shown}"
    try:
        import fakeredis  # noqa: PLC0415  (only when no server answers)
    except ImportError:
        raise ConfigError(
            f"no Redis answered at {shown} and the embedded fakeredis is not installed: "
            "start redis-server, or pip install 'fakeredis[lua]'"
        ) from None
    fake = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    return fake, True, f"Redis: nothing answered at {shown}; using the embedded fakeredis"


def shown_url(client: redis.Redis) -> str:
    """Where a client points, without credentials (a URL may carry a password)."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    return f"redis://{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def remove_demo_keys(client: redis.Redis, prefix: str) -> int:
    """Delete what the demo wrote: its own keys and RQ's keys for its queues and jobs (their
    names carry the prefix). Other data on the server is never matched."""
    keys = {k for p in (f"{prefix}:*", f"rq:*{prefix}-*") for k in client.scan_iter(match=p)}
    batch = list(keys)
    for start in range(0, len(batch), 500):
        client.delete(*batch[start : start + 500])
    queues = [q for q in client.smembers("rq:queues") if f":{prefix}-".encode() in q]
    if queues:
        client.srem("rq:queues", *queues)
    return len(keys)
