"""The whole stack for the reliability tests: the composed command handler on real Redis
(db 15, a key prefix per test), the real job queue, real RQ workers (in-process
``SimpleWorker`` bursts here; subprocesses where a test kills one) running the real Actions
against the Proxmox simulator over loopback HTTP, and recording notifiers on both sides."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis
from pydantic import SecretStr
from rq import SimpleWorker
from rq.serializers import JSONSerializer

from actions.config import ActionsConfig
from bot.compose import build_handler
from bot.dispatch import Dispatcher
from bot.notifiers import FakeNotifier
from bot.ports.audit import AuditLog
from bot.ports.invocation import Identity, Invocation, Scope
from bot.run.worker import action_factories as real_action_factories
from bot.settings.policy import PolicySettings
from jobs.config import DEFAULT_CLUSTER, PRIORITIES, JobSettings
from jobs.context import WorkerContext, installed_context
from jobs.node import sync_inventory
from jobs.queue import RqJobQueue, rq_queue
from jobs.state.chains import ChainState, chain_progress
from jobs.state.locks import BusyLocks
from proxmox.client import ProxmoxClient
from proxmox.repositories import Proxmox
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator

ADMIN = Identity(platform="console", workspace="console", user="boss")
CUSTOMER = Identity(platform="console", workspace="console", user="carol")  # account acme


def delete_rq_keys(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(match=f"rq:*{prefix}*", count=1000))
    for start in range(0, len(keys), 1000):
        client.delete(*keys[start : start + 1000])


@dataclass
class Stack:
    client: redis.Redis
    prefix: str
    sim: Simulator
    handler: Dispatcher
    bot_notifier: FakeNotifier
    worker_notifier: FakeNotifier
    ctx: WorkerContext
    jobs: JobSettings

    def invocation(
        self, text: str, who: Identity = CUSTOMER, n: int = 0, *, scope: Scope = "server"
    ) -> Invocation:
        return Invocation(
            identity=who, display_name=who.user, channel="general", scope=scope, text=text,
            inbound_id=f"{self.prefix}-{who.user}-{n}-{text}",
        )  # fmt: skip

    def queued(self) -> int:
        return sum(len(rq_queue(self.client, self.jobs, p)) for p in PRIORITIES)

    def audit(self) -> AuditLog:
        return AuditLog(self.client, prefix=self.prefix)

    def locks(self) -> BusyLocks:
        return BusyLocks(self.client, prefix=self.prefix, cluster=self.jobs.cluster)

    def chain(self, job_id: str) -> ChainState | None:
        return chain_progress(self.client, job_id, prefix=self.prefix)

    def run_jobs(self, done: Callable[[], bool], *, timeout: float = 30.0) -> None:
        """Real RQ SimpleWorkers in bursts (their scheduler moves due retries and tracking
        re-checks onto the queues) until ``done``."""
        queues = [rq_queue(self.client, self.jobs, p) for p in PRIORITIES]
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "timed out waiting for the jobs"
            worker = SimpleWorker(queues, connection=self.client, serializer=JSONSerializer)
            worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
            time.sleep(0.1)

    def run_chain(self, job_id: str, *, timeout: float = 30.0) -> ChainState:
        def finished() -> bool:
            state = self.chain(job_id)
            return state is not None and state.status != "running"

        self.run_jobs(finished, timeout=timeout)
        state = self.chain(job_id)
        assert state is not None
        return state


def job_settings(prefix: str, cluster: str = DEFAULT_CLUSTER) -> JobSettings:
    return JobSettings(
        prefix=prefix,
        cluster=cluster,
        tracking_intervals=(1,),
        retry_intervals=(1,),
        retry_cap=3,
        lock_ttl=60,
        job_timeout=30,
        delivery_intervals=(1,),
    )


def policy(prefix: str, **overrides: object) -> PolicySettings:
    values: dict[str, object] = {
        "admins_console": frozenset({ADMIN.user}),
        "admin_channel_console": "admins",
        "redis_prefix": prefix,
        "rate_limit_per_minute": 10_000,
        "rate_limit_per_account_per_minute": 10_000,
    }
    values.update(overrides)
    return PolicySettings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def sim() -> Simulator:
    simulator = Simulator.demo()
    simulator.time_scale = 0.05
    return simulator


@pytest.fixture
def stack(
    redis_client: redis.Redis, key_prefix: str, sim: Simulator, request: pytest.FixtureRequest
) -> Iterator[Stack]:
    overrides = getattr(request, "param", {})
    jobs = job_settings(key_prefix, str(overrides.get("cluster_name", DEFAULT_CLUSTER)))
    bot_notifier, worker_notifier = FakeNotifier(), FakeNotifier()
    with sim.serve() as url:
        px = ProxmoxClient(url, SIM_TOKEN_ID, SecretStr(SIM_TOKEN_SECRET), timeout=2.0)
        ctx = WorkerContext(
            redis=redis_client, proxmox=Proxmox(px), notifier=worker_notifier,
            actions_config=ActionsConfig(), settings=jobs, actions=real_action_factories(),
            audit=AuditLog(redis_client, prefix=key_prefix),
        )  # fmt: skip
        queue = RqJobQueue(redis_client, settings=jobs)
        handler = build_handler(
            redis_client, bot_notifier, queue, settings=policy(key_prefix, **overrides),
            busy=BusyLocks(redis_client, prefix=key_prefix, cluster=jobs.cluster),
        )  # fmt: skip
        handler.stores.identities.link(CUSTOMER, "acme")
        with installed_context(ctx):
            assert sync_inventory()["synced"] is True
            sim.clear_calls()
            yield Stack(redis_client, key_prefix, sim, handler, bot_notifier, worker_notifier,
                        ctx, jobs)  # fmt: skip
        px.close()
    delete_rq_keys(redis_client, key_prefix)
