"""The simulator's bodies against real captured Proxmox responses (../shared/pve-api).

Where keys overlap, their JSON types must match (numbers as numbers, strings as strings,
0/1 integers for booleans); the fixtures must be present, or the test fails loudly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from proxmox.client import ProxmoxClient
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator
from proxmox.simulator.simulator import IN_PROCESS_URL
from proxmox.simulator.state import Vm

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "pve-api" / "real-responses"


def real(name: str) -> Any:
    path = REAL / f"{name}.json"
    assert path.is_file(), (
        f"real Proxmox fixture missing: {path} (needs ../shared next to the repo)"
    )
    fixture = json.loads(path.read_text())
    body = fixture["body"]
    return body["data"] if fixture["body_is_envelope"] and isinstance(body, dict) else body


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"  # Perl never sends JSON booleans in these bodies
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def assert_same_types(ours: dict[str, Any], theirs: dict[str, Any], *, min_shared: int) -> None:
    shared = set(ours) & set(theirs)
    assert len(shared) >= min_shared, f"too few shared keys: {sorted(shared)}"
    mismatched = {
        k: (kind(ours[k]), kind(theirs[k])) for k in shared if kind(ours[k]) != kind(theirs[k])
    }
    assert mismatched == {}


def test_version(client: ProxmoxClient) -> None:
    assert_same_types(client.get("/version"), real("version-pve9.2.10"), min_shared=3)


def test_nodes(client: ProxmoxClient) -> None:
    ours, theirs = client.get("/nodes")[0], real("nodes-list-4node")[0]
    assert_same_types(ours, theirs, min_shared=12)
    assert set(theirs) <= set(ours)


def test_cluster_resources_by_type(client: ProxmoxClient) -> None:
    theirs = {r["type"]: r for r in real("cluster-resources-4node")}
    ours = {r["type"]: r for r in client.get("/cluster/resources")}
    for kind_ in ("qemu", "node", "storage"):
        assert_same_types(ours[kind_], theirs[kind_], min_shared=8)
    assert set(theirs["qemu"]) <= set(ours["qemu"])


def test_qemu_config(client: ProxmoxClient) -> None:
    ours = client.get("/nodes/pve1/qemu/101/config")
    assert_same_types(ours, real("qemu-config-pve9"), min_shared=12)


def test_qemu_status_and_list(client: ProxmoxClient) -> None:
    running = client.get("/nodes/pve1/qemu/101/status/current")
    assert_same_types(running, real("qemu-status-current-running-pve8.0"), min_shared=18)
    stopped = client.get("/nodes/pve2/qemu/102/status/current")
    assert set(real("qemu-status-current-stopped-pve6.2")) <= set(stopped)
    listed = {v["status"]: v for v in client.get("/nodes/pve1/qemu")}  # 101 runs, templates not
    for entry in real("qemu-list"):
        assert_same_types(listed[entry["status"]], entry, min_shared=12)


def test_task_status_and_list(client: ProxmoxClient, sim: Simulator) -> None:
    upid = client.post("/nodes/pve1/qemu/101/status/reset")
    running = client.get(f"/nodes/pve1/tasks/{upid}/status")
    token_task = real("task-status-error-token-user")
    assert set(running) == set(token_task) - {"exitstatus"}
    assert_same_types(running, real("task-status-running"), min_shared=9)
    sim.finish_tasks()
    stopped = client.get(f"/nodes/pve1/tasks/{upid}/status")
    assert set(stopped) == set(token_task)
    assert_same_types(stopped, token_task, min_shared=11)
    listed = client.get("/nodes/pve1/tasks")[0]
    assert set(real("tasks-list-node-pve6.4")[0]) <= set(listed)
    assert_same_types(listed, real("tasks-list-node-pve6.4")[0], min_shared=10)


def test_backup_content(client: ProxmoxClient) -> None:
    ours = client.get("/nodes/pve1/storage/backup/content", {"content": "backup"})[0]
    theirs = real("storage-content-backup-dir-lxc")[0]
    assert set(ours) == set(theirs)
    assert_same_types(ours, theirs, min_shared=8)


def test_task_log_shape(client: ProxmoxClient, sim: Simulator) -> None:
    upid = client.post("/nodes/pve1/qemu/101/status/reset")
    sim.finish_tasks()
    ours = client.get(f"/nodes/pve1/tasks/{upid}/log")
    assert ours[-1]["t"] == real("task-log-short")[-1]["t"] == "TASK OK"
    assert set(ours[-1]) == set(real("task-log-short")[-1])


@pytest.mark.parametrize(
    ("path", "fixture"),
    [
        ("/cluster/nextid?vmid=200", "error-400-nextid-vmid-exists"),
        ("/nodes/pve1/qemu/101/config", "error-500-vm-locked-backup"),
    ],
)
def test_error_envelopes(sim: Simulator, path: str, fixture: str) -> None:
    sim.vms[101].config["lock"] = "backup"
    sim.vms[200] = Vm(200, "pve2", {"name": "other"})
    raw_fixture = json.loads((REAL / f"{fixture}.json").read_text())
    method = "GET" if "nextid" in path else "PUT"
    headers = {"Authorization": f"PVEAPIToken={SIM_TOKEN_ID}={SIM_TOKEN_SECRET}"}
    with httpx.Client(transport=sim.transport(), base_url=IN_PROCESS_URL) as http:
        response = http.request(
            method,
            f"/api2/json{path}",
            headers=headers,
            json=None if method == "GET" else {"cores": 2},
        )
    assert response.status_code == raw_fixture["http"]["status"]
    assert response.reason_phrase == raw_fixture["http"]["reason"]
    body = response.json()
    expected = dict(raw_fixture["body"])
    expected.setdefault("message", f"{raw_fixture['http']['reason']}\n")
    assert body == expected
