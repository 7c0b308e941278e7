"""``python -m bench``: every benchmark section, one table, and ``bench/results/latest.json``.

Sections: 1. ack latency (Slack, Discord, console), 2. command → UPID in the channel with
1 and 2 workers, 3. Proxmox calls per operation vs Convoy, 4. scale (10,000 servers, 1,000
linked users; RSS). Needs Redis at ``REDIS_URL`` (database 15 is used, under key prefixes
of its own that are deleted afterwards). ``--quick`` runs fewer samples.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from bench import acks, calls, e2e, scale
from bench.common import Figure, redis_db15, scratch_prefix
from bench.discord_bench import NullNotifier
from bench.handlers import composed, seed

RESULTS = Path(__file__).resolve().parent / "results"


def table(figures: list[Figure]) -> str:
    lines = []
    section = ""
    head = f"{'figure':<62} {'value':>10}  {'anchor':<32} {'anchor':>10} {'ratio':>8}"
    for f in figures:
        if f.section != section:
            section = f.section
            lines += ["", section, head]
        lines.append(
            f"{f.name[:62]:<62} {f.value:>10.3f}  {f.anchor_name[:32]:<32} {f.anchor:>10.3f} "
            f"{f.ratio:>7.2f}x"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    n = 200 if args.quick else 1000
    began = time.monotonic()
    client = redis_db15()
    timings: dict[str, float] = {}

    def lap(name: str, start: float) -> None:
        timings[name] = round(time.monotonic() - start, 1)

    t = time.monotonic()
    slack = acks.slack_samples(n, n // 10)
    figures = acks.slack_figures(slack)
    figures += acks.discord_figures(n // 3)
    with scratch_prefix(client, "console") as prefix:
        seed(client, prefix, servers=1, linked=3)
        figures += acks.console_figures(composed(client, prefix, NullNotifier()), "boss", n)
    lap("1. ack latency", t)

    t = time.monotonic()
    e2e_figures, worker_rss = e2e.figures(
        client, 10 if args.quick else 30, 20 if args.quick else 60
    )
    figures += e2e_figures
    lap("2. end to end", t)

    t = time.monotonic()
    call_figures, call_detail = calls.figures(client)
    figures += call_figures
    lap("3. calls", t)

    t = time.monotonic()
    small = slack["Jotunheim, real handler + Redis, customer → approval"]
    figures += scale.figures(client, small, n, n // 10, worker_rss)
    lap("4. scale", t)

    print(table(figures))
    total = round(time.monotonic() - began, 1)
    print(f"\nseconds per section: {timings}; total {total} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "cpus": _cpus(), "node": platform.node()},
        "seconds": {**timings, "total": total},
        "figures": [f.as_dict() for f in figures],
        "calls_by_endpoint": call_detail,
    }
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {args.out}")
    return 0


def _cpus() -> int:
    import os  # noqa: PLC0415

    return os.cpu_count() or 0


if __name__ == "__main__":
    raise SystemExit(main())
