"""Every repository method, over a recording transport around the fake Proxmox: every
request it sends must conform to the official PVE API schema."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from proxmox.client import ProxmoxClient
from proxmox.repositories import Proxmox
from proxmox.upid import UPID
from tests.contract.calls import CALLS, Target, method_of, repository_methods
from tests.contract.pve_schema import assert_conforms, check_request
from tests.contract.recording import RecordingTransport
from tests.proxmox.captures import TOKEN_ID, TOKEN_SECRET
from tests.proxmox.fake_pve import FakePve, task_upid

FAKE_TARGET = Target(
    node="pve1",
    vmid=101,
    template=9000,
    newid=105,
    images="local-lvm",
    backups="backup",
    backup_volid="backup:backup/vzdump-qemu-101-2025_01_09-03_00_01.vma.zst",
    upid=UPID.parse(task_upid("pve2", "qmclone", "105")),
)


def _recording_proxmox() -> tuple[Proxmox, RecordingTransport]:
    wire = RecordingTransport(httpx.MockTransport(FakePve()))
    client = ProxmoxClient(
        "https://pve.test:8006", TOKEN_ID, SecretStr(TOKEN_SECRET), transport=wire
    )
    return Proxmox(client), wire


@pytest.mark.parametrize("key", sorted(CALLS))
def test_repository_call_conforms_to_the_schema(key: str) -> None:
    proxmox, wire = _recording_proxmox()
    CALLS[key](proxmox, FAKE_TARGET)
    assert wire.calls, f"{key} sent nothing"
    assert all(call.status == 200 for call in wire.calls), [c.path for c in wire.calls]
    assert_conforms(wire.calls)


def test_every_repository_method_is_exercised() -> None:
    proxmox, _ = _recording_proxmox()
    public = repository_methods(proxmox)
    exercised = {method_of(key) for key in CALLS}
    assert public - exercised == set(), "repository methods the contract test never calls"
    assert exercised - public == set(), "contract calls for methods that do not exist"
    assert len(public) >= 30


def test_the_recorded_wire_format_is_what_the_schema_sees() -> None:
    proxmox, wire = _recording_proxmox()
    proxmox.servers.destroy("pve1", 101)
    proxmox.backups.create("pve1", 101, storage="backup")
    destroy, vzdump = wire.calls
    assert destroy.params == {"purge": "1", "destroy-unreferenced-disks": "1"}
    assert vzdump.params["remove"] == 0
    assert check_request(destroy.method, destroy.path, destroy.params) == []
