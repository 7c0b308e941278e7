"""RSS of a bot process and its anchors, each measured in a fresh subprocess:
``python -m bench.rss bot <prefix>`` (the Slack app on the composed handler over the scale
data, after 300 commands and 100 autocompletes), ``bare-bolt`` (a bolt App that only acks)
and ``bare-rq`` (redis + rq imported, a Worker object built). Prints VmRSS in KiB."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from bench.common import redis_db15, rss_kib

REPO = Path(__file__).resolve().parents[1]


def measure(mode: str, *args: str) -> int:
    out = subprocess.run(
        [sys.executable, "-m", "bench.rss", mode, *args],
        cwd=REPO, check=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return int(out.stdout.strip().splitlines()[-1])


def _bot(prefix: str) -> None:
    from bench.handlers import CUSTOMERS, composed  # noqa: PLC0415  (measured: what it imports)
    from bot.adapters.after_ack import AfterAck, Followups  # noqa: PLC0415
    from bot.adapters.slack.app import build_app  # noqa: PLC0415
    from bot.adapters.slack.notifier import SlackNotifier, build_client  # noqa: PLC0415
    from tests.support import slack_api as testing  # noqa: PLC0415

    client = redis_db15()
    with testing.MockSlackApi() as api:
        web = build_client(testing.BOT_TOKEN, api.base_url)
        notifier = SlackNotifier(web)
        deferred = Followups(workers=1)
        handler = composed(client, prefix, AfterAck(notifier, deferred))
        app = build_app(handler, testing.settings(api), client=web, notifier=notifier)
        for _ in range(300):
            body = testing.command_body("resize 101 memory=8G", trigger=uuid.uuid4().hex)
            testing.dispatch(app.bolt, body, testing.signed_headers(body))
        for i in range(100):
            handler.complete_server(CUSTOMERS[0], frozenset(), f"vm{i % 10}")
        deferred.wait(timeout=60)
        deferred.shutdown()


def _bare_bolt() -> None:
    from tests.support import slack_api as testing  # noqa: PLC0415

    with testing.MockSlackApi() as api:
        bolt = testing.bare_app(api, process_before_response=True)
        for _ in range(300):
            body = testing.command_body("resize 101 memory=8G", trigger=uuid.uuid4().hex)
            testing.dispatch(bolt, body, testing.signed_headers(body))


def _bare_rq() -> None:
    from rq import Queue, Worker  # noqa: PLC0415

    client = redis_db15()
    Worker([Queue("bench-rss-anchor", connection=client)], connection=client)


def main(argv: list[str]) -> int:
    mode = argv[0]
    if mode == "bot":
        _bot(argv[1])
    elif mode == "bare-bolt":
        _bare_bolt()
    elif mode == "bare-rq":
        _bare_rq()
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(rss_kib(os.getpid()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
