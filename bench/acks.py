"""Section 1: ack latency (Slack through ``App.dispatch``, Discord through the real command
tree, the console session), each beside its anchor. Reuses ``bench.slack_ack`` and
``bench.discord_bench`` (the adapters' own benchmarks) for the measuring."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from bench import discord_bench, slack_ack
from bench.common import Figure, spread
from bench.remote_slack import RemoteMockSlackApi
from bot.adapters.console import ConsoleSession
from bot.dispatch import Dispatcher
from bot.ports.invocation import Identity, Invocation

SECTION = "1. ack latency"
Samples = dict[str, list[float]]


def against(section: str, name: str, ours: list[float], anchor_name: str,
            anchor: list[float]) -> list[Figure]:  # fmt: skip
    """p50, p99 and max of ``ours`` beside the same statistic of the anchor."""
    mine, theirs = spread(ours), spread(anchor)
    return [
        Figure(section, f"{name} {stat}", mine[stat], "ms", f"{anchor_name} {stat}", theirs[stat])
        for stat in ("p50", "p99", "max")
    ]


def slack_samples(requests: int, warmup: int) -> Samples:
    with RemoteMockSlackApi() as api:
        rows = slack_ack.bare_rows(api, requests, warmup)
        rows += slack_ack.our_rows(api, requests, warmup)
    return {name.strip(): timings for name, timings, _ in rows}


def slack_figures(samples: Samples) -> list[Figure]:
    default = samples["bare bolt App, ack only, default mode"]
    pbr = samples["bare bolt App, ack only, process_before_response"]
    found = []
    for case in ("customer → approval", "admin → RQ enqueue"):
        ours = samples[f"Jotunheim, real handler + Redis, {case}"]
        name = f"Slack /server resize ({case})"
        found += against(SECTION, name, ours, "bare bolt default", default)
        found += against(SECTION, name, ours, "bare bolt pbr", pbr)
    return found


def discord_figures(runs: int) -> list[Figure]:
    fake = dict(discord_bench.scenarios(
        discord_bench.build_bot(discord_bench.InstantHandler()), runs, "fake"))  # fmt: skip
    with discord_bench.real_handler() as handler:
        real = dict(discord_bench.scenarios(discord_bench.build_bot(handler), runs, "real"))
    found = []
    for what in ("/server status (enqueue)", "/server resize (approval)"):
        found += against(SECTION, f"Discord {what}", real[f"real: {what}"],
                         "adapter + instant handler", fake[f"fake: {what}"])  # fmt: skip
    return found


def console_figures(handler: Dispatcher, user: str, runs: int) -> list[Figure]:
    """The console session (``jotunheim console``) on the same handler: one line in, printed."""
    out: list[str] = []
    session = ConsoleSession(handler, Identity(platform="console", workspace="console",
                                               user=user), out.append)  # fmt: skip

    def via_console(_: int) -> None:
        session.feed("/server resize 101 memory=8G")

    def alone(_: int) -> None:
        handler.handle(Invocation(
            identity=session.identity, channel="console", scope="server",
            text="resize 101 memory=8G", inbound_id=f"alone-{uuid.uuid4().hex}"))  # fmt: skip

    ours, anchor = timed(runs, via_console), timed(runs, alone)
    return against(SECTION, "console /server resize (admin → RQ enqueue)", ours,
                   "handler.handle() alone", anchor)  # fmt: skip


def timed(runs: int, one: Callable[[int], None], warmup: int = 20) -> list[float]:
    samples = []
    for i in range(runs + warmup):
        start = time.perf_counter()
        one(i)
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return samples
