"""The contract checker itself: it must catch what it claims to catch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.contract import pve_schema
from tests.contract.pve_schema import (
    SchemaMissing,
    assert_conforms,
    check_request,
    check_response,
    match,
)
from tests.contract.recording import RecordedExchange
from tests.proxmox.captures import capture

RESIZE = "/nodes/pve1/qemu/101/resize"
CONFIG = "/nodes/pve1/qemu/101/config"


def _problems(method: str, path: str, params: dict[str, Any]) -> str:
    return "\n".join(check_request(method, path, params))


def test_a_valid_request_has_no_problems() -> None:
    assert check_request("PUT", RESIZE, {"disk": "scsi0", "size": "+10.5G"}) == []


def test_wrong_enum() -> None:
    assert "disk: 'scsi99' is not one of" in _problems(
        "PUT", RESIZE, {"disk": "scsi99", "size": "1G"}
    )
    found = _problems("POST", "/nodes/pve1/vzdump", {"vmid": "101", "mode": "hot"})
    assert "mode: 'hot' is not one of [snapshot, suspend, stop]" in found


def test_unknown_parameter() -> None:
    found = _problems("PUT", RESIZE, {"disk": "scsi0", "size": "1G", "grow": 1})
    assert "unknown parameter 'grow'" in found


def test_bad_pattern() -> None:
    assert "size: '10GB' does not match pattern" in _problems(
        "PUT", RESIZE, {"disk": "scsi0", "size": "10GB"}
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cores": "four"}, "cores: expected integer, got 'four'"),
        ({"onboot": True}, "onboot: boolean must be sent as 1/0, got True"),
        ({"onboot": "yes"}, "onboot: boolean must be sent as 1/0, got 'yes'"),
        ({"cores": 0}, "cores: 0 is below the minimum 1"),
        ({"name": ["a"]}, "name: expected string, got ['a']"),
    ],
)
def test_wrong_type_and_range(params: dict[str, Any], expected: str) -> None:
    assert expected in _problems("PUT", CONFIG, params)


def test_vmid_range_from_the_path() -> None:
    found = _problems("PUT", "/nodes/pve1/qemu/99/resize", {"disk": "scsi0", "size": "1G"})
    assert "vmid: 99 is below the minimum 100" in found


def test_missing_required_parameter() -> None:
    assert "missing required parameter 'size'" in _problems("PUT", RESIZE, {"disk": "scsi0"})


def test_n_keys_expand_within_their_range() -> None:
    drive = "local-lvm:vm-101-disk-1,size=8G"
    assert check_request("PUT", CONFIG, {"scsi30": drive, "ipconfig3": "ip=dhcp"}) == []
    assert "unknown parameter 'scsi31'" in _problems("PUT", CONFIG, {"scsi31": drive})
    assert "unknown parameter 'sata6'" in _problems("PUT", CONFIG, {"sata6": drive})


def test_property_strings() -> None:
    assert check_request("PUT", CONFIG, {"memory": "current=4096", "agent": "1,type=virtio"}) == []
    assert "unknown key 'speed'" in _problems("PUT", CONFIG, {"agent": "1,speed=9"})
    assert "no (free) default key" in _problems("PUT", CONFIG, {"agent": "1,0"})
    assert "memory.current: '8' is below the minimum 16" in _problems("PUT", CONFIG, {"memory": 8})
    assert "agent.type: 'usb' is not one of" in _problems("PUT", CONFIG, {"agent": "type=usb"})


def test_named_formats() -> None:
    assert "is not a valid urlencoded" in _problems("PUT", CONFIG, {"sshkeys": "ssh-rsa AAA"})
    assert "is not a valid pve-tag-list" in _problems("PUT", CONFIG, {"tags": "owner acme!"})
    assert "is not a valid pve-configid-list" in _problems("PUT", CONFIG, {"delete": "a b"})
    assert check_request("PUT", CONFIG, {"tags": "owner-acme;web", "delete": "net1,cores"}) == []


def test_requires() -> None:
    found = _problems("POST", "/nodes/pve1/qemu", {"vmid": 101, "force": 1})
    assert "force requires archive" in found


def test_path_and_body_must_agree() -> None:
    found = _problems("PUT", RESIZE, {"vmid": 102, "disk": "scsi0", "size": "1G"})
    assert "vmid given in path ('101') and body (102) differently" in found


def test_unknown_endpoint_and_method() -> None:
    assert "no such endpoint" in _problems("GET", "/nodes/pve1/qemu/101/bogus", {})
    assert "no such endpoint" in _problems("PATCH", CONFIG, {})
    assert "no such endpoint" in _problems("DELETE", "/nodes/pve1/storage/backup/content", {})


def test_path_templates() -> None:
    volume = "/nodes/pve1/storage/backup/content/backup:backup/vzdump-qemu-101.vma.zst"
    found = match("DELETE", volume)
    assert found is not None
    assert found[1]["volume"] == "backup:backup/vzdump-qemu-101.vma.zst"
    encoded = match("GET", "/api2/json/nodes/pve1/storage/backup/content/backup%3Abackup%2Fx.vma")
    assert encoded is not None
    assert encoded[1]["volume"] == "backup:backup/x.vma"
    upid = "UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam!bot:"
    status = match("GET", f"/nodes/pve1/tasks/{upid}/status")
    assert status is not None
    assert (status[0].path, status[1]["upid"]) == ("/nodes/{node}/tasks/{upid}/status", upid)
    snapshot = match("GET", "/nodes/pve1/qemu/101/snapshot/before-upgrade/config")
    assert snapshot is not None
    assert snapshot[1]["snapname"] == "before-upgrade"


def test_assert_conforms_lists_every_problem() -> None:
    calls = [
        RecordedExchange("PUT", RESIZE, {"disk": "scsi0", "size": "1G"}, 200),
        RecordedExchange("PUT", RESIZE, {"disk": "hdd0", "size": "1G"}, 200),
        RecordedExchange("GET", "/nope", {}, 200),
    ]
    with pytest.raises(AssertionError) as caught:
        assert_conforms(calls)
    text = str(caught.value)
    assert "hdd0" in text
    assert "/nope" in text


def test_missing_schema_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(SchemaMissing, match="PVE API SCHEMA MISSING"):
        pve_schema.load_endpoints(tmp_path / "pve-api-subset.json")


def test_the_real_schema_is_there_and_complete() -> None:
    endpoints = {(e.method, e.path) for e in pve_schema.endpoints()}
    # The endpoints our client calls today, and the ones the next features need.
    for needed in (
        ("GET", "/cluster/resources"),
        ("GET", "/nodes/{node}/qemu/{vmid}/config"),
        ("POST", "/nodes/{node}/qemu/{vmid}/clone"),
        ("PUT", "/nodes/{node}/qemu/{vmid}/resize"),
        ("POST", "/nodes/{node}/vzdump"),
        ("GET", "/nodes/{node}/tasks/{upid}/status"),
        ("GET", "/nodes/{node}/qemu/{vmid}/snapshot"),
        ("GET", "/nodes/{node}/qemu/{vmid}/rrddata"),
        ("GET", "/access/permissions"),
    ):
        assert needed in endpoints, needed
    assert pve_schema.SCHEMA_PATH.resolve().parent.name == "pve-api"


# -- responses ---------------------------------------------------------------------------


def test_check_response_catches_missing_and_mistyped_properties() -> None:
    status = {
        "upid": "UPID:x",
        "node": "pve1",
        "pid": "abc",
        "pstart": 1,
        "starttime": 1,
        "type": "qmstart",
        "id": "101",
        "user": "root@pam",
    }
    found = check_response("GET", "/nodes/pve1/tasks/UPID:x/status", status)
    assert found == [
        "GET /nodes/{node}/tasks/{upid}/status: data.pid: expected integer, got 'abc'",
        "GET /nodes/{node}/tasks/{upid}/status: data: required property 'status' is missing",
    ]
    assert check_response("GET", "/nodes", {"node": "pve1"}) == [
        "GET /nodes: data: expected array, got dict"
    ]
    assert "null where string" in "".join(
        check_response("POST", "/nodes/pve1/qemu/101/status/start", None)
    )
    assert "'sleeping' is not one of" in "".join(
        check_response(
            "GET", "/nodes/pve1/qemu/101/status/current", {"status": "sleeping", "vmid": 101}
        )
    )


REAL_200S = [
    ("cluster-nextid", "GET", "/cluster/nextid"),
    ("cluster-resources-4node", "GET", "/cluster/resources"),
    ("nodes-list-4node", "GET", "/nodes"),
    ("qemu-config-pve9", "GET", CONFIG),
    ("qemu-list", "GET", "/nodes/pve1/qemu"),
    ("qemu-status-current-running-pve8.0", "GET", "/nodes/pve1/qemu/101/status/current"),
    ("storage-content-backup-dir-lxc", "GET", "/nodes/pve1/storage/b/content"),
    ("task-log-short", "GET", "/nodes/pve1/tasks/UPID:x/log"),
    ("task-status-error-token-user", "GET", "/nodes/pve1/tasks/UPID:x/status"),
    ("tasks-list-node-pve6.4", "GET", "/nodes/pve1/tasks"),
    ("version-pve9.2.10", "GET", "/version"),
]


@pytest.mark.parametrize(("name", "method", "path"), REAL_200S, ids=[r[0] for r in REAL_200S])
def test_real_captures_pass_check_response(name: str, method: str, path: str) -> None:
    fixture = capture(name)
    data = fixture["body"]["data"] if fixture["body_is_envelope"] else fixture["body"]
    assert check_response(method, path, data) == []


def test_old_captures_differ_from_the_9x_schema_exactly_where_pve_changed() -> None:
    config = capture("qemu-config-pve6.2")["body"]
    assert check_response("GET", CONFIG, config) == [
        "GET /nodes/{node}/qemu/{vmid}/config: data.memory: expected string, got 8192"
    ]


def test_pending_values_may_carry_the_options_own_type() -> None:
    pending = "/nodes/pve1/qemu/101/pending"
    assert check_response("GET", pending, [{"key": "cores", "value": 2, "pending": 4}]) == []
    assert check_response("GET", pending, [{"key": "cores", "value": [2]}]) == [
        "GET /nodes/{node}/qemu/{vmid}/pending: data[0].value: expected string, got [2]"
    ]
    assert check_response("GET", pending, [{"value": "2"}]) == [
        "GET /nodes/{node}/qemu/{vmid}/pending: data[0]: required property 'key' is missing"
    ]
