"""The simulator over real loopback HTTP: reason phrases, 59x, reset, hang, raw GET, the CLI."""

from __future__ import annotations

import io
import threading
import time
from contextlib import redirect_stdout

import httpx
import pytest
from pydantic import SecretStr

from proxmox import errors
from proxmox.client import ProxmoxClient
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator
from proxmox.simulator.cli import main

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"PVEAPIToken={SIM_TOKEN_ID}={SIM_TOKEN_SECRET}"}


def http_client(base_url: str, timeout: float = 5.0) -> ProxmoxClient:
    return ProxmoxClient(base_url, SIM_TOKEN_ID, SecretStr(SIM_TOKEN_SECRET), timeout=timeout)


def test_raw_get_nodes_like_curl() -> None:
    sim = Simulator.demo()
    with sim.serve() as base_url:
        response = httpx.get(f"{base_url}/api2/json/nodes", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert [n["node"] for n in response.json()["data"]] == ["pve1", "pve2", "pve3"]


def test_error_text_is_the_reason_phrase_and_message() -> None:
    sim = Simulator.demo()
    sim.vms[101].config["lock"] = "backup"
    with sim.serve() as base_url:
        url = f"{base_url}/api2/json/nodes/pve1/qemu/101/config"
        response = httpx.put(url, headers=AUTH, json={"cores": 2})
        sim.message_field = False
        old_style = httpx.put(url, headers=AUTH, json={"cores": 2})
        with http_client(base_url) as client, pytest.raises(errors.ProxmoxLocked) as caught:
            client.put("/nodes/pve1/qemu/101/config", {"cores": 2})
    assert (response.status_code, response.reason_phrase) == (500, "VM is locked (backup)")
    assert response.json() == {"data": None, "message": "VM is locked (backup)\n"}
    assert old_style.json() == {"data": None}
    assert caught.value.message == "VM is locked (backup)"  # from the reason phrase alone


def test_401_over_the_wire_is_empty() -> None:
    sim = Simulator.demo()
    with sim.serve() as base_url:
        response = httpx.get(f"{base_url}/api2/json/version")
    assert (response.status_code, response.reason_phrase, response.content) == (
        401, "No ticket", b"",
    )  # fmt: skip


def test_596_goes_over_the_wire() -> None:
    sim = Simulator.demo()
    sim.faults.fail_next(596, path="/resize")
    with sim.serve() as base_url:
        raw = httpx.put(
            f"{base_url}/api2/json/nodes/pve1/qemu/101/resize",
            headers=AUTH, json={"disk": "scsi0", "size": "+1G"},
        )  # fmt: skip
        with http_client(base_url) as client:
            sim.faults.fail_next(595, count=1)
            with pytest.raises(errors.ProxmoxUnreachable):
                client.get("/version")
            assert client.get("/version")["release"] == "9.1"
    assert (raw.status_code, raw.reason_phrase, raw.content) == (596, "Connection timed out", b"")
    assert [c.status for c in sim.calls] == [596, 595, 200]


def test_connection_reset() -> None:
    sim = Simulator.demo()
    sim.faults.reset_next(path="/nodes$")
    with sim.serve() as base_url, http_client(base_url) as client:
        with pytest.raises(errors.ProxmoxUnreachable):
            client.get("/nodes")
        assert len(client.get("/nodes")) == 3
    assert [c.status for c in sim.calls] == [0, 200]


def test_hang_is_cut_by_the_client_timeout_and_shutdown_is_prompt() -> None:
    sim = Simulator.demo()
    sim.faults.hang_next(seconds=30)
    with sim.serve() as base_url, http_client(base_url, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(errors.ProxmoxTimeout):
            client.get("/version")
        assert time.monotonic() - started < 2
        shutdown_from = time.monotonic()
    assert time.monotonic() - shutdown_from < 3


def test_hang_in_process_honours_the_read_timeout() -> None:
    sim = Simulator.demo()
    sim.faults.hang_next(seconds=30)
    with sim.client(timeout=0.2) as client, pytest.raises(errors.ProxmoxTimeout):
        client.get("/version")
    sim.faults.hang_next(seconds=0.05)
    with sim.client(timeout=5) as client, pytest.raises(errors.ProxmoxTimeout) as caught:
        client.get("/version")
    assert caught.value.status == 596  # short hang: pveproxy's own 596 answer


def test_concurrent_pollers_over_http() -> None:
    sim = Simulator.demo()
    sim.time_scale = 0.05
    with sim.serve() as base_url, http_client(base_url) as client:
        upid = client.post("/nodes/pve1/qemu/9000/clone", {"newid": 150, "full": 1})
        failures: list[BaseException] = []

        def poll() -> None:
            try:
                with http_client(base_url) as own:
                    while own.get(f"/nodes/pve1/tasks/{upid}/status")["status"] == "running":
                        time.sleep(0.01)
            except BaseException as exc:  # collected and asserted below
                failures.append(exc)

        threads = [threading.Thread(target=poll) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert failures == []
    assert sim.vms[150].config["name"] == "Copy-of-VM-debian-12"


def test_cli_starts_and_answers() -> None:
    stop = threading.Event()
    out = io.StringIO()
    with redirect_stdout(out):
        thread = threading.Thread(target=main, args=(["--port", "0"],), kwargs={"stop": stop})
        thread.start()
        deadline = time.monotonic() + 5
        while "PROXMOX_URL=" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    try:
        printed = out.getvalue()
        base_url = printed.split("PROXMOX_URL=")[1].split()[0]
        assert f"PROXMOX_TOKEN_ID={SIM_TOKEN_ID}" in printed
        response = httpx.get(f"{base_url}/api2/json/nodes", headers=AUTH)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 3
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
