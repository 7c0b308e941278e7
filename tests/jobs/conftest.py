"""Fixtures for the jobs tests: real Redis (db 15) with a per-test key prefix (which also
names the RQ queues), a worker context with fake Actions, and an in-process worker driver."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import redis
from pydantic import SecretStr
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from actions.config import ActionsConfig
from bot.ports.notify import ReplyTarget
from bot.run.worker import action_factories as real_action_factories
from jobs.config import JobSettings
from jobs.context import ActionFactory, WorkerContext, installed_context
from jobs.kinds import JobKind
from jobs.queue import JobRequest, RqJobQueue, rq_queue
from proxmox.client import ProxmoxClient
from proxmox.repositories import Proxmox
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator
from tests.jobs.fakes import ALL_FAKES, FakeAction, FakePve, Recorder
from tests.support.chat import ChatRecorder

TARGET = ReplyTarget(platform="console", workspace="w", channel="ops", requester="@ann")


def fake_factories(pve: FakePve, recorder: Recorder) -> dict[str, ActionFactory]:
    def factory(cls: type[FakeAction]) -> ActionFactory:
        return lambda ctx: cls(pve, recorder)

    return {cls.name: factory(cls) for cls in ALL_FAKES}


FAKE_KINDS = {cls.name: JobKind(cls.name) for cls in ALL_FAKES}


@pytest.fixture
def settings(key_prefix: str) -> JobSettings:
    return JobSettings(
        prefix=key_prefix,
        tracking_intervals=(1,),
        retry_intervals=(1,),
        retry_cap=3,
        lock_ttl=60,
        job_timeout=30,
        delivery_intervals=(1,),
    )


@pytest.fixture
def pve() -> FakePve:
    vm = {
        "id": "qemu/101",
        "type": "qemu",
        "node": "pve1",
        "vmid": 101,
        "name": "web",
        "status": "running",
        "tags": "owner-acme",
        "maxcpu": 2,
        "maxmem": 2 << 30,
    }
    return FakePve(vms=[vm])


@pytest.fixture
def recorder(redis_client: redis.Redis, key_prefix: str) -> Recorder:
    return Recorder(redis_client, key_prefix)


@pytest.fixture
def notifier() -> ChatRecorder:
    return ChatRecorder()


@pytest.fixture
def ctx(
    redis_client: redis.Redis,
    settings: JobSettings,
    pve: FakePve,
    recorder: Recorder,
    notifier: ChatRecorder,
) -> Iterator[WorkerContext]:
    context = WorkerContext(
        redis=redis_client,
        proxmox=pve.proxmox(),
        notifier=notifier,
        actions_config=ActionsConfig(),
        settings=settings,
        actions=fake_factories(pve, recorder),
    )
    with installed_context(context):
        yield context
    delete_rq_keys(redis_client, settings)


def delete_rq_keys(client: redis.Redis, settings: JobSettings) -> None:
    """RQ keys are global (rq:job:<id>); ours all carry the test prefix in id or queue name."""
    for pattern in (f"rq:*{settings.prefix}*",):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)


@pytest.fixture
def queue(redis_client: redis.Redis, settings: JobSettings) -> RqJobQueue:
    return RqJobQueue(redis_client, settings=settings, kinds=FAKE_KINDS)


def request(kind: str, inbound: str, vmid: int = 101, **extra: Any) -> JobRequest:
    return JobRequest(
        kind=kind,
        vmid=vmid,
        args={"vmid": vmid, **extra},
        target=TARGET,
        requested_by="console:w:ann",
        inbound_id=inbound,
    )


def run_until(
    client: redis.Redis,
    settings: JobSettings,
    done: Callable[[], bool],
    *,
    timeout: float = 15.0,
    during: Callable[[], None] | None = None,
) -> None:
    """Drive real RQ SimpleWorkers in burst mode (with the scheduler, which moves due
    scheduled jobs — tracking re-checks, retries — back onto their queues) until ``done``."""
    deadline = time.monotonic() + timeout
    queues = [rq_queue(client, settings, p) for p in ("high", "default", "low")]
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the jobs to finish")
        worker = SimpleWorker(queues, connection=client, serializer=JSONSerializer)
        worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
        if during is not None:
            during()
        time.sleep(0.2)


@contextmanager
def simulator_context(
    client: redis.Redis,
    settings: JobSettings,
    sim: Simulator,
    notifier: ChatRecorder,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[WorkerContext]:
    """A worker context on the real Actions, talking to ``sim`` over loopback HTTP (through
    ``transport`` when a test needs to tamper with answers), installed for the test."""
    with sim.serve() as url:
        proxmox = ProxmoxClient(url, SIM_TOKEN_ID, SecretStr(SIM_TOKEN_SECRET), transport=transport)
        context = WorkerContext(
            redis=client,
            proxmox=Proxmox(proxmox),
            notifier=notifier,
            actions_config=ActionsConfig(),
            settings=settings,
            actions=real_action_factories(),
        )
        with installed_context(context):
            yield context
        proxmox.close()
    delete_rq_keys(client, settings)
