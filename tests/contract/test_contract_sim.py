"""Every repository method against the simulator's demo fleet, in-process: requests conform
to the schema, answers conform to its ``returns`` and are shaped like real captured answers,
and every task a call starts ends successfully."""

from __future__ import annotations

from typing import Any

import pytest

from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from proxmox.upid import UPID
from tests.contract.calls import CALLS, Target
from tests.contract.pve_schema import assert_conforms, check_response, match
from tests.contract.recording import RecordedExchange, RecordingTransport
from tests.contract.shapes import Shape, shape_of, shape_problems
from tests.proxmox.captures import data_of

NEEDS_STOPPED_VM = {
    "PowerRepository.start",
    "ServerRepository.destroy",
    "ServerRepository.restore",
    "ServerRepository.template",
}
CAPTURES_BY_ENDPOINT = {
    ("GET", "/version"): ["version-pve9.2.10"],
    ("GET", "/nodes"): ["nodes-list-4node"],
    ("GET", "/nodes/{node}/status"): ["node-status-pve7.4"],
    ("GET", "/cluster/resources"): [
        "cluster-resources-4node",
        "cluster-resources-type-storage-pvesh",
    ],
    ("GET", "/cluster/nextid"): ["cluster-nextid"],
    ("GET", "/nodes/{node}/qemu"): ["qemu-list"],
    ("GET", "/nodes/{node}/qemu/{vmid}/status/current"): [
        "qemu-status-current-running-pve8.0",
        "qemu-status-current-stopped-pve6.2",
    ],
    ("GET", "/nodes/{node}/qemu/{vmid}/config"): ["qemu-config-pve6.2", "qemu-config-pve9"],
    ("GET", "/nodes/{node}/storage/{storage}/content"): [
        "storage-content-backup-dir-lxc",
        "storage-content-backup-dir-qemu-official",
        "storage-content-backup-pbs",
    ],
    ("GET", "/nodes/{node}/tasks/{upid}/status"): [
        "task-status-running",
        "task-status-stopped-ok",
        "task-status-warnings",
        "task-status-stopped-interrupted",
        "task-status-error-token-user",
    ],
    ("GET", "/nodes/{node}/tasks/{upid}/log"): ["task-log-short"],
    ("GET", "/nodes/{node}/tasks"): ["tasks-list-node-pve6.4"],
}


class SimRig:
    def __init__(self) -> None:
        self.sim = Simulator.demo(manual_clock=True)
        self.wire = RecordingTransport(self.sim.transport())
        self.pve = Proxmox(self.sim.client(transport=self.wire))

    def prepare(self, key: str) -> Target:
        """Bring the demo fleet into the state the call needs; returns what it works on."""
        upid = self.pve.power.reboot("pve1", 101)
        if key != "TaskRepository.stop":
            self.sim.finish_tasks()
        if key in NEEDS_STOPPED_VM:
            self._finish(self.pve.power.stop("pve1", 101))
        if key == "PowerRepository.resume":
            self._finish(self.pve.power.suspend("pve1", 101))
        return Target(
            node="pve1",
            vmid=101,
            template=9000,
            newid=self.pve.cluster.next_id(),
            images="local-lvm",
            backups="backup",
            backup_volid=self.sim.backups(101)[0].volid,
            upid=upid,
        )

    def _finish(self, upid: UPID) -> None:
        self.sim.finish_tasks()
        assert self.pve.tasks.status(upid).succeeded


def _shapes() -> dict[tuple[str, str], Shape]:
    return {
        endpoint: shape_of(*(data_of(name) for name in names))
        for endpoint, names in CAPTURES_BY_ENDPOINT.items()
    }


def _answer_problems(
    calls: list[RecordedExchange], shapes: dict[tuple[str, str], Shape]
) -> list[str]:
    problems = []
    for call in calls:
        problems += check_response(call.method, call.path, call.data)
        found = match(call.method, call.path)
        assert found is not None, f"{call.method} {call.path} has no schema endpoint"
        shape = shapes.get((call.method, found[0].path))
        if shape is not None:
            problems += [
                f"{call.method} {call.path}: {p}" for p in shape_problems(call.data, shape)
            ]
    return problems


@pytest.mark.parametrize("key", sorted(CALLS))
def test_repository_call_against_the_simulator(key: str) -> None:
    rig = SimRig()
    target = rig.prepare(key)
    result = CALLS[key](rig.pve, target)
    if isinstance(result, UPID):
        rig.sim.finish_tasks()
        task = rig.pve.tasks.status(result)
        assert task.succeeded, f"{key}: task ended with {task.exitstatus!r}"
    failed = [(c.method, c.path, c.status) for c in rig.wire.calls if c.status != 200]
    assert failed == []
    assert_conforms(rig.wire.calls)
    assert _answer_problems(rig.wire.calls, _shapes()) == []


def test_answers_overlap_the_captures_substantially() -> None:
    """The shape check means something only if simulator answers share the real keys."""
    rig = SimRig()
    target = rig.prepare("ConfigRepository.get")
    for key in (
        "ConfigRepository.get",
        "PowerRepository.status",
        "ClusterRepository.resources",
        "StorageRepository.backups",
        "TaskRepository.status",
        "ClusterRepository.nodes",
    ):
        CALLS[key](rig.pve, target)
    seen: dict[str, set[str]] = {}
    for call in rig.wire.calls:
        found = match(call.method, call.path)
        assert found is not None
        data: Any = call.data
        items = data if isinstance(data, list) else [data]
        keys = set().union(*(set(i) for i in items if isinstance(i, dict))) if items else set()
        seen.setdefault(found[0].path, set()).update(keys)
    assert {"digest", "memory", "cores", "scsi0", "name"} <= seen[
        "/nodes/{node}/qemu/{vmid}/config"
    ]
    assert {"status", "qmpstatus", "mem", "maxmem", "cpus", "uptime"} <= seen[
        "/nodes/{node}/qemu/{vmid}/status/current"
    ]
    assert {"id", "type", "node", "vmid", "maxmem", "template"} <= seen["/cluster/resources"]
    assert {"volid", "ctime", "size", "format", "vmid", "content"} <= seen[
        "/nodes/{node}/storage/{storage}/content"
    ]
    assert {"upid", "status", "exitstatus", "type", "user", "starttime"} <= seen[
        "/nodes/{node}/tasks/{upid}/status"
    ]
