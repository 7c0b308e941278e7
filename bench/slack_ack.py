"""Slack ack benchmark: ``python -m bench.slack_ack [--requests N]``.

p50/p99 of signed ``/server resize`` slash commands through ``App.dispatch`` for our App —
the real command handler on real Redis (``REDIS_URL``'s server, database 15, a key prefix
of its own, removed afterwards) when it is reachable, else a fake handler, and the output
says which — beside a bare bolt App that only acks, in bolt's default mode and in
``process_before_response`` mode. Bodies are signed before timing; what is timed is what an
HTTP server waits for: signature check, middleware, listener (handler), ack.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from bench.remote_slack import RemoteMockSlackApi
from bot.adapters.after_ack import AfterAck, Followups
from bot.adapters.slack.app import build_app
from bot.adapters.slack.notifier import SlackNotifier, build_client
from bot.compose import build_handler
from bot.ports import ButtonClick, Choice, ClickResult, CommandHandler
from bot.ports.invocation import Identity, Invocation
from bot.ports.reply import Reply
from bot.settings.policy import PolicySettings
from jobs.config import JobSettings
from jobs.queue import RqJobQueue
from jobs.state.inventory import Inventory, InventoryEntry
from tests.support import slack_api as testing

Dispatch = Callable[[str, dict[str, str]], tuple[int, str]]
Row = tuple[str, list[float], str]
GiB = 1024**3


class AckOnlyHandler:
    """Stands in when Redis is not reachable: answers without any work."""

    def handle(self, invocation: Invocation) -> Reply:
        return Reply(text=f"received: {invocation.text}")

    def click(self, click: ButtonClick) -> ClickResult:
        return ClickResult(to_clicker=Reply(text=f"clicked {click.action}"))

    def complete_server(
        self, identity: Identity, roles: frozenset[str], typed: str
    ) -> list[Choice]:
        return [Choice(label=typed, value=identity.key)] if roles else []


# Each request asks for another size: a customer's request identical to one waiting for
# approval is refused at once, and the approval path is what these figures measure.
_MEMORY_MIB = itertools.count(8192)


def resize_text() -> str:
    return f"resize 101 memory={next(_MEMORY_MIB)}M"


def measure(dispatch: Dispatch, user: str, requests: int, warmup: int) -> tuple[list[float], str]:
    """Milliseconds per request (each with its own trigger id, like Slack's); the last ack."""
    signed = []
    for _ in range(requests + warmup):
        body = testing.command_body(resize_text(), user=user, trigger=f"bench-{uuid.uuid4().hex}")
        signed.append((body, testing.signed_headers(body)))
    timings, last = [], ""
    for index, (body, headers) in enumerate(signed):
        start = time.perf_counter()
        status, last = dispatch(body, headers)
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise SystemExit(f"request {index} answered {status}: {last}")
        if index >= warmup:
            timings.append(elapsed)
    return timings, last


def handler_alone(handler: CommandHandler, user: str, requests: int, warmup: int) -> list[float]:
    """The same command straight into the handler: what the adapter adds is the difference."""
    timings = []
    for index in range(requests + warmup):
        invocation = Invocation(
            identity=Identity(platform="slack", workspace=testing.TEAM, user=user),
            channel="CGENERAL",
            scope="server",
            text=resize_text(),
            inbound_id=f"slack:{testing.TEAM}:bench-{uuid.uuid4().hex}",
        )
        start = time.perf_counter()
        handler.handle(invocation)
        if index >= warmup:
            timings.append((time.perf_counter() - start) * 1000)
    return timings


def quantile(timings: list[float], q: int) -> float:
    return statistics.quantiles(timings, n=100, method="inclusive")[q - 1]


def redis_db15() -> redis.Redis | None:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    url = base.rsplit("/", 1)[0] + "/15" if base.count("/") > 2 else base + "/15"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return None
    return client


@contextmanager
def real_handler(client: redis.Redis, notifier: AfterAck) -> Iterator[CommandHandler]:
    """The composed handler with the real RQ queue; UCUST owns 101, UADMIN is an admin."""
    prefix = f"bench-slack-{uuid.uuid4().hex[:8]}"
    policy = PolicySettings(
        _env_file=None,
        admins_slack=frozenset({"UADMIN"}),
        admin_channel_slack=testing.ADMIN_CHANNEL,
        redis_prefix=prefix,
        rate_limit_per_minute=10_000,
        rate_limit_per_account_per_minute=10_000,
    )
    queue = RqJobQueue(client, settings=JobSettings(prefix=prefix))
    handler = build_handler(client, notifier, queue, settings=policy)
    entry = InventoryEntry(
        vmid=101, node="pve1", name="web1", status="running", owner="acme",
        cores=2, memory_mib=4096, disk_bytes=20 * GiB,
    )  # fmt: skip
    Inventory(client, prefix=prefix).replace_all([entry], now=time.time())
    customer = Identity(platform="slack", workspace=testing.TEAM, user="UCUST")
    handler.stores.identities.link(customer, "acme")
    try:
        yield handler
    finally:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            client.delete(*keys)


def bare_rows(api: testing.WebApi, requests: int, warmup: int) -> list[Row]:
    rows = []
    for pbr in (False, True):
        bolt = testing.bare_app(api, process_before_response=pbr)
        timings, _ = measure(dispatcher(bolt), "UCUST", requests, warmup)
        mode = "process_before_response" if pbr else "default mode"
        rows.append((f"bare bolt App, ack only, {mode}", timings, ""))
    return rows


def our_rows(api: testing.WebApi, requests: int, warmup: int) -> list[Row]:
    client = build_client(testing.BOT_TOKEN, api.base_url)
    notifier = SlackNotifier(client)
    deferred = Followups(workers=1)
    redis_client = redis_db15()
    cases = [("customer → approval", "UCUST"), ("admin → RQ enqueue", "UADMIN")]
    try:
        if redis_client is None:
            app = build_app(AckOnlyHandler(), testing.settings(api), client=client)
            timings, last = measure(dispatcher(app.bolt), "UCUST", requests, warmup)
            return [("Jotunheim, FAKE handler (Redis unreachable)", timings, last)]
        with real_handler(redis_client, AfterAck(notifier, deferred)) as handler:
            app = build_app(handler, testing.settings(api), client=client, notifier=notifier)
            rows = []
            for label, user in cases:
                timings, last = measure(dispatcher(app.bolt), user, requests, warmup)
                rows.append((f"Jotunheim, real handler + Redis, {label}", timings, last))
                deferred.wait(timeout=60)
                alone = handler_alone(handler, user, requests, warmup)
                rows.append((f"  of which handler.handle() alone, {label}", alone, ""))
                deferred.wait(timeout=60)
            return rows
    finally:
        deferred.shutdown()


def dispatcher(bolt: object) -> Dispatch:
    def dispatch(body: str, headers: dict[str, str]) -> tuple[int, str]:
        return testing.dispatch(bolt, body, headers)  # type: ignore[arg-type]

    return dispatch


def print_rows(rows: list[Row], requests: int) -> None:
    default_p50, pbr_p50 = quantile(rows[0][1], 50), quantile(rows[1][1], 50)
    print(f"Slack ack latency, {requests} signed '/server resize 101 memory=…' each (ms)")
    print(f"{'':58} {'p50':>8} {'p99':>8} {'p50 vs default':>15} {'p50 vs pbr':>11}")
    for name, timings, _ in rows:
        p50, p99 = quantile(timings, 50), quantile(timings, 99)
        print(f"{name:58} {p50:8.3f} {p99:8.3f} {p50 / default_p50:14.3f}x {p50 / pbr_p50:10.1f}x")
    for name, _, last in rows[2:]:
        if last:
            print(f"last ack of '{name}': {last[:160]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_ack")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    args = parser.parse_args(argv)
    with RemoteMockSlackApi() as api:
        rows = bare_rows(api, args.requests, args.warmup)
        rows += our_rows(api, args.requests, args.warmup)
    print_rows(rows, args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
