"""Envelopes, auth, routing, parameter validation and call recording (in-process)."""

from __future__ import annotations

import time

import httpx
import pytest

from proxmox import errors
from proxmox.client import ProxmoxClient
from proxmox.simulator import READONLY_TOKEN_ID, READONLY_TOKEN_SECRET, SIM_TOKEN_ID, Simulator
from proxmox.simulator.simulator import IN_PROCESS_URL


def raw(sim: Simulator, method: str, path: str, token: str | None, **kw: object) -> httpx.Response:
    headers = {"Authorization": f"PVEAPIToken={token}"} if token else {}
    with httpx.Client(transport=sim.transport(), base_url=IN_PROCESS_URL) as http:
        return http.request(method, f"/api2/json{path}", headers=headers, **kw)  # type: ignore[arg-type]


def test_version_and_nodes(client: ProxmoxClient) -> None:
    assert client.get("/version")["release"] == "9.1"
    nodes = client.get("/nodes")
    assert [n["node"] for n in nodes] == ["pve1", "pve2", "pve3"]
    assert all(n["status"] == "online" and 0 <= n["cpu"] <= 1 for n in nodes)


def test_cluster_resources_filter_by_type(client: ProxmoxClient) -> None:
    vms = client.get("/cluster/resources", {"type": "vm"})
    assert {r["vmid"] for r in vms} == {101, 102, 103, 9000, 9001}
    web = next(r for r in vms if r["vmid"] == 101)
    assert web["id"] == "qemu/101"
    assert web["tags"] == "owner-acme"
    assert web["template"] == 0
    assert "lock" not in web
    storages = client.get("/cluster/resources", {"type": "storage"})
    assert {r["id"] for r in storages} >= {"storage/pve1/local-lvm", "storage/pve3/backup"}
    assert {r["type"] for r in client.get("/cluster/resources")} == {"qemu", "node", "storage"}


def test_nextid_is_a_string_and_reserves_nothing(client: ProxmoxClient, sim: Simulator) -> None:
    assert client.get("/cluster/nextid") == "100"
    assert client.get("/cluster/nextid") == "100"
    assert client.get("/cluster/nextid", {"vmid": 200}) == "200"
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.get("/cluster/nextid", {"vmid": 101})
    assert caught.value.errors == {"vmid": "VM 101 already exists"}


def test_missing_token_is_401_no_ticket_with_empty_body(sim: Simulator) -> None:
    response = raw(sim, "GET", "/nodes", None)
    assert (response.status_code, response.reason_phrase) == (401, "No ticket")
    assert response.content == b""


def test_wrong_secret_is_401_authentication_failure(sim: Simulator) -> None:
    response = raw(sim, "GET", "/nodes", f"{SIM_TOKEN_ID}=00000000-0000-0000-0000-000000000000")
    assert (response.status_code, response.reason_phrase) == (401, "authentication failure")
    assert response.content == b""
    assert sim.calls[-1].status == 401


def test_client_maps_rejected_token(sim: Simulator) -> None:
    sim.faults.reject_auth()
    with sim.client() as client, pytest.raises(errors.ProxmoxAuthenticationError):
        client.get("/version")


def test_readonly_token_gets_403_on_power(sim: Simulator) -> None:
    token = f"{READONLY_TOKEN_ID}={READONLY_TOKEN_SECRET}"
    assert raw(sim, "GET", "/nodes/pve1/qemu", token).status_code == 200
    response = raw(sim, "POST", "/nodes/pve1/qemu/101/status/start", token)
    assert response.status_code == 403
    assert response.reason_phrase == "Permission check failed (/vms/101, VM.PowerMgmt)"


def test_unknown_path_and_method_are_501(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxServerError) as caught:
        client.get("/nodes/pve1/nothing")
    assert caught.value.status == 501
    assert caught.value.message == "Method 'GET /nodes/pve1/nothing' not implemented"
    with pytest.raises(errors.ProxmoxServerError, match="Method 'PUT /version'"):
        client.put("/version")


def test_unknown_parameter_is_rejected_with_the_schema_text(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.put("/nodes/pve1/qemu/101/config", {"cores": 2, "colour": "red"})
    assert caught.value.message == "Parameter verification failed."
    assert caught.value.errors == {
        "colour": "property is not defined in schema and the schema does not allow "
        "additional properties"
    }


def test_type_enum_and_missing_parameters(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.put("/nodes/pve1/qemu/101/resize", {"disk": "scsi99", "size": "big"})
    assert set(caught.value.errors) == {"disk", "size"}
    assert "enumeration" in caught.value.errors["disk"]
    assert caught.value.errors["size"] == "value does not match the regex pattern"
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.put("/nodes/pve1/qemu/101/config", {"onboot": "True", "cores": "two"})
    assert caught.value.errors == {
        "onboot": "type check ('boolean') failed - got 'True'",
        "cores": "type check ('integer') failed - got 'two'",
    }
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.post("/nodes/pve1/qemu/101/clone", {})
    assert caught.value.errors == {"newid": "property is missing and it is not optional"}


def test_bad_vmid_in_path(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.get("/nodes/pve1/qemu/abc/config")
    assert "vmid" in caught.value.errors


def test_form_bodies_are_accepted_like_the_real_server(sim: Simulator) -> None:
    token = f"{SIM_TOKEN_ID}={sim.options.tokens[SIM_TOKEN_ID].secret}"
    response = raw(sim, "PUT", "/nodes/pve2/qemu/102/config", token, data={"cores": "6"})
    assert response.status_code == 200
    assert sim.vms[102].config["cores"] == 6


def test_missing_vm_is_a_500_does_not_exist(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxNotFound) as caught:
        client.get("/nodes/pve2/qemu/101/config")  # 101 lives on pve1
    assert caught.value.status == 500
    assert (
        caught.value.message
        == "Configuration file 'nodes/pve2/qemu-server/101.conf' does not exist"
    )


def test_calls_record_every_request_with_status(client: ProxmoxClient, sim: Simulator) -> None:
    client.put("/nodes/pve1/qemu/101/config", {"cores": 4, "onboot": True})
    with pytest.raises(errors.ProxmoxParameterError):
        client.put("/nodes/pve1/qemu/101/config", {"bogus": 1})
    client.get("/cluster/resources", {"type": "vm"})
    first, second, third = sim.calls
    assert (first.method, first.path, first.params, first.status) == (
        "PUT", "/nodes/pve1/qemu/101/config", {"cores": 4, "onboot": 1}, 200,
    )  # fmt: skip
    assert second.status == 400
    assert not second.ok
    assert (third.path, third.params) == ("/cluster/resources", {"type": "vm"})


def test_message_field_can_be_switched_off(sim: Simulator) -> None:
    token = f"{SIM_TOKEN_ID}={sim.options.tokens[SIM_TOKEN_ID].secret}"
    on = raw(sim, "GET", "/nodes/pve1/qemu/999/config", token)
    assert (
        on.json()["message"]
        == "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist\n"
    )
    sim.message_field = False
    off = raw(sim, "GET", "/nodes/pve1/qemu/999/config", token)
    assert off.json() == {"data": None}
    assert off.reason_phrase.startswith("Configuration file")


def test_lock_timeout_fault_hits_writes_for_a_while(client: ProxmoxClient, sim: Simulator) -> None:
    sim.faults.lock_timeout(101, seconds=10)
    with pytest.raises(errors.ProxmoxLocked) as caught:
        client.put("/nodes/pve1/qemu/101/config", {"cores": 3})
    assert caught.value.message == (
        "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout"
    )
    assert client.get("/nodes/pve1/qemu/101/config")["cores"] == 2  # reads are not affected
    sim.clock.advance(10)
    client.put("/nodes/pve1/qemu/101/config", {"cores": 3})


def test_fail_next_counts_and_matches(client: ProxmoxClient, sim: Simulator) -> None:
    sim.faults.fail_next(503, count=2, method="GET", path="^/nodes$")
    for _ in range(2):
        with pytest.raises(errors.ProxmoxUnreachable):
            client.get("/nodes")
    assert client.get("/version")["release"] == "9.1"
    assert len(client.get("/nodes")) == 3


def test_connection_reset_in_process(client: ProxmoxClient, sim: Simulator) -> None:
    sim.faults.reset_next()
    with pytest.raises(errors.ProxmoxUnreachable):
        client.get("/version")
    assert sim.calls[-1].status == 0


def test_added_latency(client: ProxmoxClient, sim: Simulator) -> None:
    sim.faults.latency = 0.1
    started = time.monotonic()
    client.get("/version")
    assert time.monotonic() - started >= 0.1
