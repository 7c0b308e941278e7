"""Section 4: the ack path and autocomplete with 10,000 servers and 1,000 linked users in
Redis, beside the same figures with one server; RSS of the bot and of a worker."""

from __future__ import annotations

import time

import redis

from bench import discord_bench, slack_ack
from bench.acks import against
from bench.common import Figure, scratch_prefix, spread
from bench.handlers import CUSTOMERS, composed, seed
from bench.remote_slack import RemoteMockSlackApi
from bench.rss import measure as rss_of
from bot.adapters.after_ack import AfterAck, Followups
from bot.adapters.slack.app import build_app
from bot.adapters.slack.notifier import SlackNotifier, build_client
from bot.dispatch import Dispatcher
from bot.ports.invocation import Identity
from tests.support import slack_api as testing

SECTION = "4. scale: 10,000 servers, 1,000 linked users"
SERVERS, LINKED = 10_000, 1_000
AUTOCOMPLETE_TARGET_MS = 50.0
ADMIN = Identity(platform="slack", workspace=testing.TEAM, user="UADMIN")


def slack_at_scale(client: redis.Redis, prefix: str, requests: int, warmup: int) -> list[float]:
    with RemoteMockSlackApi() as api:
        web = build_client(testing.BOT_TOKEN, api.base_url)
        notifier = SlackNotifier(web)
        deferred = Followups(workers=1)
        handler = composed(client, prefix, AfterAck(notifier, deferred))
        app = build_app(handler, testing.settings(api), client=web, notifier=notifier)
        timings, _ = slack_ack.measure(slack_ack.dispatcher(app.bolt), "UCUST", requests, warmup)
        deferred.wait(timeout=60)
        deferred.shutdown()
    return timings


def completion(handler: Dispatcher, who: Identity, runs: int) -> list[float]:
    samples = []
    for i in range(runs):
        typed = "" if i % 2 else f"vm{i % 10}"
        start = time.perf_counter()
        choices = handler.complete_server(who, frozenset(), typed)
        samples.append((time.perf_counter() - start) * 1000)
        if not choices:
            raise SystemExit(f"autocomplete for {who.key} found nothing for {typed!r}")
    return samples


def figures(
    client: redis.Redis, small: list[float], requests: int, warmup: int, worker_rss: int
) -> list[Figure]:
    """``small``: the Slack customer ack samples of section 1 (one server in the cache)."""
    found: list[Figure] = []
    with scratch_prefix(client, "scale") as prefix:
        seed(client, prefix, servers=SERVERS, linked=LINKED)
        big = slack_at_scale(client, prefix, requests, warmup)
        handler = composed(client, prefix, discord_bench.NullNotifier())
        found += against(SECTION, "Slack /server resize ack (customer)", big,
                         "same with 1 server", small)  # fmt: skip
        tree = discord_bench.scenarios(discord_bench.build_bot(handler), 200, "discord")
        for name, samples in tree:
            if "autocomplete" in name:
                found.append(Figure(SECTION, f"{name} p99", spread(samples)["p99"], "ms",
                                    "target", AUTOCOMPLETE_TARGET_MS))  # fmt: skip
        for label, who, runs in (("customer", CUSTOMERS[0], 400), ("admin (all)", ADMIN, 60)):
            samples = completion(handler, who, runs)
            found.append(Figure(SECTION, f"complete_server(), {label} p99",
                                spread(samples)["p99"], "ms", "target",
                                AUTOCOMPLETE_TARGET_MS))  # fmt: skip
        bot = rss_of("bot", prefix)
    bare_bolt, bare_rq = rss_of("bare-bolt"), rss_of("bare-rq")
    found.append(Figure(SECTION, "RSS of the bot process (Slack app)", bot / 1024, "MiB",
                        "bare bolt App process", bare_bolt / 1024))  # fmt: skip
    found.append(Figure(SECTION, "RSS of one worker (jotunheim worker)", worker_rss / 1024,
                        "MiB", "bare RQ Worker process", bare_rq / 1024))  # fmt: skip
    return found
