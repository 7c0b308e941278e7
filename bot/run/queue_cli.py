"""``jotunheim queue``: queue depth per queue, failed jobs with their error, retry one.

jotunheim queue                 queued / started / scheduled / deferred / failed counts
jotunheim queue failed [-n 20]  failed jobs, newest first, with the last error line
jotunheim queue retry <job id>  put a failed job back on its queue

No Redis: one line saying so (``bot.cli``), within the connect timeout.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import redis

from bot.settings import load
from bot.settings.redis import RedisSettings
from bot.settings.worker import WorkerSettings
from jobs.state import stats

CONNECT_TIMEOUT = 5.0  # seconds


def main(argv: list[str], out: TextIO | None = None) -> int:
    stream = out or sys.stdout
    parser = argparse.ArgumentParser(prog="jotunheim queue", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    failed = sub.add_parser("failed", help="list failed jobs with their error")
    failed.add_argument("-n", type=int, default=20)
    again = sub.add_parser("retry", help="queue a failed job again")
    again.add_argument("job_id")
    args = parser.parse_args(argv)
    settings = load(WorkerSettings).jobs()
    # A one-shot tool: a Redis that does not answer should not hang it for the OS's timeout.
    client = redis.Redis.from_url(load(RedisSettings).url, socket_connect_timeout=CONNECT_TIMEOUT)
    client.ping()
    if args.command == "failed":
        for job in stats.failed_jobs(client, settings, args.n):
            stream.write(f"{job.id}  {job.description or job.func_name}  {stats.last_error(job)}\n")
        return 0
    if args.command == "retry":
        message = stats.retry(client, settings, args.job_id)
        stream.write(message + "\n")
        return 0 if stats.retried(message) else 1
    rows = stats.counts(client, settings)
    width = max(len(name) for name, _ in rows)
    for name, row in rows:
        stream.write(f"{name:<{width}}  " + "  ".join(f"{k} {v}" for k, v in row.items()) + "\n")
    return 0
