"""A step whose task Proxmox accepted but whose answer was lost (596) is retried without
starting a second task: the retry adopts the task the first attempt started. Real Actions,
real RQ workers, the simulator over real HTTP.

The simulator's injected faults fire before a request is handled, so "accepted, answer
lost" is made here on the client side: the request goes through to the simulator and its
answer is replaced by a 596, as pveproxy does when pvedaemon is slow to answer.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
import redis
from rq.job import Job
from rq.serializers import JSONSerializer

from actions.base import Step
from jobs.config import JobSettings
from jobs.context import WorkerContext
from jobs.queue import JobRequest
from jobs.state.chains import ChainStore
from proxmox.simulator import Simulator
from tests.contract.pve_schema import assert_conforms
from tests.jobs.conftest import simulator_context
from tests.jobs.test_simulator import _run, _submit
from tests.support.chat import ChatRecorder


class LoseAnswer(httpx.BaseTransport):
    """Sends every request on; the answers to the first ``count`` matching ones are lost
    and replaced by pveproxy's 596 — the task was started all the same."""

    def __init__(self, method: str, path: str, count: int = 1) -> None:
        self.inner = httpx.HTTPTransport()
        self.method, self.path, self.count = method, re.compile(path), count

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method != self.method or not self.path.search(request.url.path):
            return response
        if self.count <= 0:
            return response
        self.count -= 1
        response.read()
        response.close()
        return httpx.Response(
            596,
            content=b'{"data":null}',
            extensions={"reason_phrase": b"Connection timed out"},
            request=request,
        )

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def sim() -> Simulator:
    simulator = Simulator.demo()
    simulator.time_scale = 0.5
    # Longer than all of a step's retries (retry_cap 3, 1 s apart): the lock must be waited
    # for, not outlasted by luck.
    simulator.task_durations["qmclone"] = 12.0
    return simulator


@pytest.fixture
def lose() -> LoseAnswer:
    return LoseAnswer("POST", r"$^")  # each test says which answer is lost


@pytest.fixture
def lossy_ctx(
    redis_client: redis.Redis,
    settings: JobSettings,
    sim: Simulator,
    notifier: ChatRecorder,
    lose: LoseAnswer,
) -> Iterator[WorkerContext]:
    with simulator_context(redis_client, settings, sim, notifier, transport=lose) as context:
        yield context


def _posts(sim: Simulator, suffix: str) -> list[int | None]:
    return [c.status for c in sim.calls if c.method == "POST" and c.path.endswith(suffix)]


def test_lost_answer_to_vzdump_makes_one_backup(
    lossy_ctx: WorkerContext, sim: Simulator, lose: LoseAnswer, notifier: ChatRecorder
) -> None:
    lose.path = re.compile(r"/nodes/pve1/vzdump$")
    before = len(sim.backups(101))
    job_id = _submit(lossy_ctx, "backup.create", "lost-vzdump", vmid=101)

    assert _run(lossy_ctx, job_id) == "succeeded"

    assert _posts(sim, "/vzdump") == [200]  # the simulator started exactly one
    assert len(sim.backups(101)) == before + 1
    assert any(
        "backing up: done by the task an earlier try started" in t
        for t in notifier.notified_texts()
    )
    assert_conforms(sim.calls)


def test_lost_answer_to_reboot_reboots_once(
    lossy_ctx: WorkerContext, sim: Simulator, lose: LoseAnswer
) -> None:
    lose.path = re.compile(r"/qemu/101/status/reboot$")
    job_id = _submit(lossy_ctx, "server.power", "lost-reboot", vmid=101, action="reboot")

    assert _run(lossy_ctx, job_id) == "succeeded"

    assert _posts(sim, "/qemu/101/status/reboot") == [200]
    assert [t.upid.type for t in sim.tasks.values() if t.upid.id == "101"] == ["qmreboot"]
    assert_conforms(sim.calls)


def test_lost_answer_to_restore_restores_once(
    lossy_ctx: WorkerContext, sim: Simulator, lose: LoseAnswer
) -> None:
    volid = sim.backups(101)[-1].volid
    lose.path = re.compile(r"/nodes/pve1/qemu$")
    job_id = _submit(lossy_ctx, "backup.restore", "lost-restore", vmid=101, volid=volid)

    assert _run(lossy_ctx, job_id) == "succeeded"

    assert _posts(sim, "/nodes/pve1/qemu") == [200]
    restores = [t for t in sim.tasks.values() if t.upid.type == "qmrestore"]
    assert len(restores) == 1
    assert_conforms(sim.calls)


def test_lost_answer_to_clone_waits_for_that_clone(
    lossy_ctx: WorkerContext, sim: Simulator, lose: LoseAnswer
) -> None:
    lose.path = re.compile(r"/clone$")
    job_id = _submit(
        lossy_ctx, "server.build", "lost-clone", account="acme", cores=2, memory="2G", disk="12G"
    )

    assert _run(lossy_ctx, job_id) == "succeeded"

    assert _posts(sim, "/clone") == [200]
    writes = [c for c in sim.calls if c.method == "PUT" and c.path.endswith("/config")]
    assert writes
    assert all(c.status == 200 for c in writes)  # never ran into the clone lock
    assert_conforms(sim.calls)


def test_a_worker_that_died_after_starting_the_task_is_not_followed_by_a_second_one(
    lossy_ctx: WorkerContext, sim: Simulator
) -> None:
    """The first attempt started the reboot, then its worker died before recording the
    UPID: the step is left 'running' with its start time. The retry adopts that task."""
    job_id = _submit(lossy_ctx, "server.power", "died-reboot", vmid=101, action="reboot")
    job = Job.fetch(job_id, connection=lossy_ctx.redis, serializer=JSONSerializer)
    request = JobRequest.model_validate(job.args[0])
    store = ChainStore(lossy_ctx.redis, prefix=lossy_ctx.prefix)
    state = store.ensure(job_id, request, (Step("execute", says="rebooting"),))
    store.update_step(state, 0, state="running", started=time.time() - 1)
    lossy_ctx.proxmox.power.reboot("pve1", 101)  # what the dead worker got through

    assert _run(lossy_ctx, job_id) == "succeeded"

    assert _posts(sim, "/qemu/101/status/reboot") == [200]
    done = store.get(job_id)
    assert done is not None
    assert done.steps[0].summary == "rebooting: done by the task an earlier try started"
