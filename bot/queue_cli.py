"""``jotunheim queue``: queue depth per queue, failed jobs with their error, retry one.

jotunheim queue                 queued / started / scheduled / deferred / failed counts
jotunheim queue failed [-n 20]  failed jobs, newest first, with the last error line
jotunheim queue retry <job id>  put a failed job back on its queue
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import redis
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.queue import Queue
from rq.serializers import JSONSerializer

from bot.settings import load
from bot.settings.redis import RedisSettings
from bot.settings.worker import WorkerSettings
from jobs.config import PRIORITIES, JobSettings
from jobs.queue import rq_queue


def counts(client: redis.Redis, settings: JobSettings) -> list[tuple[str, dict[str, int]]]:
    rows = []
    for priority in PRIORITIES:
        queue = rq_queue(client, settings, priority)
        rows.append(
            (
                queue.name,
                {
                    "queued": queue.count,
                    "started": queue.started_job_registry.count,
                    "scheduled": queue.scheduled_job_registry.count,
                    "deferred": queue.deferred_job_registry.count,
                    "failed": queue.failed_job_registry.count,
                },
            )
        )
    return rows


def failed_jobs(client: redis.Redis, settings: JobSettings, limit: int = 20) -> list[Job]:
    found: list[Job] = []
    for priority in PRIORITIES:
        registry = rq_queue(client, settings, priority).failed_job_registry
        ids = registry.get_job_ids()
        found += [j for j in Job.fetch_many(ids, connection=client, serializer=JSONSerializer) if j]
    found.sort(key=lambda j: j.ended_at.timestamp() if j.ended_at else 0.0, reverse=True)
    return found[:limit]


def last_error(job: Job) -> str:
    result = job.latest_result()
    text = (result.exc_string if result is not None else None) or ""
    text = text.strip()
    return text.splitlines()[-1] if text else "(no error recorded)"


def retry(client: redis.Redis, settings: JobSettings, job_id: str) -> str:
    try:
        job = Job.fetch(job_id, connection=client, serializer=JSONSerializer)
    except NoSuchJobError:
        return f"no job {job_id}"
    queue = Queue(job.origin, connection=client, serializer=JSONSerializer)
    if not queue.name.startswith(f"{settings.prefix}-"):
        return f"job {job_id} is not one of this deployment's jobs"
    try:
        queue.failed_job_registry.requeue(job)
    except InvalidJobOperation:
        return f"job {job_id} is not in the failed jobs"
    return f"job {job_id} is queued again on {queue.name}"


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
    client = redis.Redis.from_url(load(RedisSettings).url)
    if args.command == "failed":
        for job in failed_jobs(client, settings, args.n):
            stream.write(f"{job.id}  {job.description or job.func_name}  {last_error(job)}\n")
        return 0
    if args.command == "retry":
        message = retry(client, settings, args.job_id)
        stream.write(message + "\n")
        return 0 if "queued again" in message else 1
    rows = counts(client, settings)
    width = max(len(name) for name, _ in rows)
    for name, row in rows:
        stream.write(f"{name:<{width}}  " + "  ".join(f"{k} {v}" for k, v in row.items()) + "\n")
    return 0
