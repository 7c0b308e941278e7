"""A worker process for the kill test: the fake Actions' context, one burst of work.

Run as ``python -m tests.jobs.slow_worker <redis-url> <prefix>`` from the repository root.
"""

from __future__ import annotations

import sys

import redis
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from actions.config import ActionsConfig
from jobs.config import JobSettings
from jobs.context import WorkerContext, installed_context
from jobs.queue import rq_queue
from tests.jobs.conftest import fake_factories
from tests.jobs.fakes import FakePve, Recorder
from tests.support.chat import ChatRecorder


def main(argv: list[str]) -> int:
    url, prefix = argv
    client = redis.Redis.from_url(url)
    settings = JobSettings(prefix=prefix, job_timeout=30)
    pve = FakePve()
    context = WorkerContext(
        redis=client,
        proxmox=pve.proxmox(),
        notifier=ChatRecorder(),  # nobody reads what a killed worker said
        actions_config=ActionsConfig(),
        settings=settings,
        actions=fake_factories(pve, Recorder(client, prefix)),
    )
    queues = [rq_queue(client, settings, p) for p in ("high", "default", "low")]
    with installed_context(context):
        SimpleWorker(queues, connection=client, serializer=JSONSerializer).work(burst=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
