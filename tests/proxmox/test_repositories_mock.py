"""Repositories against a fake Proxmox (real captured bodies): what each call sends and
what it makes of the answer."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from proxmox.client import ProxmoxClient
from proxmox.errors import ProxmoxParameterError, ProxmoxProtocolError
from proxmox.repositories import Proxmox
from proxmox.upid import UPID
from tests.contract.recording import RecordedExchange, RecordingTransport
from tests.proxmox.captures import TOKEN_ID, TOKEN_SECRET, respond
from tests.proxmox.fake_pve import FakePve, task_upid

VM_PATH = "/nodes/pve1/qemu/101"


class Rig:
    def __init__(self) -> None:
        self.fake = FakePve()
        self.wire = RecordingTransport(httpx.MockTransport(self.fake))
        client = ProxmoxClient(
            "https://pve.test:8006", TOKEN_ID, SecretStr(TOKEN_SECRET), transport=self.wire
        )
        self.pve = Proxmox(client)

    @property
    def last(self) -> RecordedExchange:
        return self.wire.calls[-1]


@pytest.fixture
def rig() -> Rig:
    return Rig()


def test_config_get_and_sync_update_with_digest(rig: Rig) -> None:
    config = rig.pve.config.get("pve1", 101)
    assert config.memory_mib == 4096
    rig.pve.config.update(
        "pve1",
        101,
        {"cores": 4, "tags": ["owner-acme", "web"], "onboot": True},
        digest=config.digest,
        delete=["balloon", "cipassword"],
    )
    assert (rig.last.method, rig.last.path) == ("PUT", f"{VM_PATH}/config")
    assert rig.last.params == {
        "cores": 4,
        "tags": "owner-acme;web",
        "onboot": 1,
        "digest": config.digest,
        "delete": "balloon,cipassword",
    }


def test_update_encodes_plain_sshkeys_once(rig: Rig) -> None:
    keys = "ssh-ed25519 AAAA+key/1= me@host\nssh-rsa BBBB other"
    rig.pve.config.update("pve1", 101, {"sshkeys": keys})
    sent = rig.last.params["sshkeys"]
    assert sent == "ssh-ed25519%20AAAA%2Bkey%2F1%3D%20me%40host%0Assh-rsa%20BBBB%20other%0A"
    rig.pve.config.update("pve1", 101, {"sshkeys": sent})
    assert rig.last.params["sshkeys"] == sent


def test_pending(rig: Rig) -> None:
    pending = rig.pve.config.pending("pve1", 101)
    assert [(p.key, p.pending, p.delete) for p in pending] == [
        ("cores", 4, None),
        ("memory", "4096", None),
        ("tags", None, 1),
    ]


def test_resize_returns_task_or_none_before_pve8(rig: Rig) -> None:
    upid = rig.pve.disks.resize("pve1", 101, "scsi0", "40G", digest="d" * 40)
    assert upid is not None
    assert upid.type == "resize"
    assert rig.last.params == {"disk": "scsi0", "size": "40G", "digest": "d" * 40}
    rig.fake.overrides["PUT", f"{VM_PATH}/resize"] = None
    assert rig.pve.disks.resize("pve1", 101, "scsi0", "40G") is None
    assert rig.last.params == {"disk": "scsi0", "size": "40G"}


@pytest.mark.parametrize("action", ["start", "stop", "reset", "suspend", "resume"])
def test_power_actions_return_their_task(rig: Rig, action: str) -> None:
    upid = getattr(rig.pve.power, action)("pve1", 101)
    assert isinstance(upid, UPID)
    assert upid.node == "pve1"
    assert (rig.last.method, rig.last.path) == ("POST", f"{VM_PATH}/status/{action}")


def test_shutdown_and_reboot_parameters(rig: Rig) -> None:
    rig.pve.power.shutdown("pve1", 101, timeout=60, force_stop=True)
    assert rig.last.params == {"timeout": 60, "forceStop": 1}
    rig.pve.power.reboot("pve1", 101)
    assert rig.last.params == {}


def test_power_status(rig: Rig) -> None:
    status = rig.pve.power.status("pve1", 101)
    assert (status.vmid, status.status, status.agent) == (101, "running", True)


def test_power_action_answered_with_null_is_a_protocol_error(rig: Rig) -> None:
    rig.fake.overrides["POST", f"{VM_PATH}/status/start"] = None
    with pytest.raises(ProxmoxProtocolError, match="expected a task id"):
        rig.pve.power.start("pve1", 101)


def test_servers_list_clone_destroy_restore_template(rig: Rig) -> None:
    assert [v.vmid for v in rig.pve.servers.list("pve1")] == [101, 100]
    upid = rig.pve.servers.clone("pve1", 9000, 105, name="web-1", storage="local-lvm")
    assert upid.type == "qmclone"
    assert rig.last.params == {"newid": 105, "name": "web-1", "storage": "local-lvm", "full": 1}
    assert rig.pve.servers.destroy("pve1", 105).type == "qmdestroy"
    assert (rig.last.method, rig.last.params) == (
        "DELETE",
        {"purge": "1", "destroy-unreferenced-disks": "1"},
    )
    volid = "backup:backup/vzdump-qemu-101-2025_01_09-03_00_01.vma.zst"
    assert rig.pve.servers.restore("pve1", 101, volid).type == "qmrestore"
    assert (rig.last.path, rig.last.params) == (
        "/nodes/pve1/qemu",
        {"vmid": 101, "archive": volid, "force": 1},
    )
    assert rig.pve.servers.template("pve1", 9000).type == "qmtemplate"


def test_cloudinit(rig: Rig) -> None:
    rig.pve.cloudinit.regenerate("pve1", 101)
    assert (rig.last.method, rig.last.path) == ("PUT", f"{VM_PATH}/cloudinit")
    assert rig.pve.cloudinit.pending("pve1", 101)[0]["key"] == "cipassword"
    rig.pve.cloudinit.set_user_password("pve1", 101, "debian", SecretStr("s3cret-pw"))
    assert rig.last.params == {"username": "debian", "password": "s3cret-pw"}


def test_set_user_password_never_leaks_the_password() -> None:
    def echoing(_: httpx.Request) -> httpx.Response:
        body = {"data": None, "errors": {"password": "bad value 'hunter2-pw'"}}
        return respond(400, body, "Parameter verification failed.")

    client = ProxmoxClient(
        "https://pve.test",
        TOKEN_ID,
        SecretStr(TOKEN_SECRET),
        transport=httpx.MockTransport(echoing),
    )
    with pytest.raises(ProxmoxParameterError) as caught:
        Proxmox(client).cloudinit.set_user_password("pve1", 101, "u", SecretStr("hunter2-pw"))
    assert "hunter2-pw" not in str(caught.value)
    assert "hunter2-pw" not in repr(caught.value)
    assert caught.value.errors == {"password": "bad value '<redacted>'"}


def test_cluster(rig: Rig) -> None:
    assert rig.pve.cluster.next_id() == 100
    assert rig.last.params == {}
    rig.pve.cluster.next_id(200)
    assert rig.last.params == {"vmid": "200"}
    resources = rig.pve.cluster.resources("vm")
    assert rig.last.params == {"type": "vm"}
    assert {r.type for r in resources} == {"qemu", "node", "storage"}
    assert [n.node for n in rig.pve.cluster.nodes()] == ["node1", "node2", "node3", "node4"]
    assert rig.pve.cluster.node_status("node1")["uptime"] == 2501631
    assert rig.pve.cluster.version()["release"] == "9.2"


def test_next_id_refuses_garbage(rig: Rig) -> None:
    rig.fake.overrides["GET", "/cluster/nextid"] = "soon"
    with pytest.raises(ProxmoxProtocolError, match="expected a VMID"):
        rig.pve.cluster.next_id()


def test_storage(rig: Rig) -> None:
    storages = rig.pve.storage.list("pve1", content="backup")
    assert rig.last.params == {"content": "backup"}
    assert [s.storage for s in storages] == ["local-lvm", "backup"]
    backups = rig.pve.storage.backups("pve1", "backup", vmid=100)
    assert rig.last.params == {"content": "backup", "vmid": "100"}
    assert {b.vmid for b in backups} == {100}
    volid = backups[0].volid
    assert rig.pve.storage.volume("pve1", "backup", volid)["format"] == "vma.zst"
    assert rig.last.path == f"/nodes/pve1/storage/backup/content/{volid}"
    deleted = rig.pve.storage.delete_volume("pve1", "backup", volid)
    assert deleted is not None
    assert deleted.type == "imgdel"


def test_vzdump_always_sends_remove_0(rig: Rig) -> None:
    upid = rig.pve.backups.create("pve1", 101, storage="backup", notes="before resize")
    assert upid.type == "vzdump"
    assert rig.last.params == {
        "vmid": "101",
        "storage": "backup",
        "mode": "snapshot",
        "compress": "zstd",
        "remove": 0,
        "notes-template": "before resize",
    }


def test_tasks(rig: Rig) -> None:
    upid = UPID.parse(task_upid("pve2", "qmclone", "105"))
    status = rig.pve.tasks.status(upid)
    assert rig.last.path == f"/nodes/pve2/tasks/{upid}/status"  # asks the UPID's node
    assert status.succeeded
    lines, total = rig.pve.tasks.log(upid, start=0, limit=10)
    assert (len(lines), total, lines[-1].t) == (2, 2, "TASK OK")
    assert rig.last.params == {"start": "0", "limit": "10"}
    rig.pve.tasks.stop(upid)
    assert rig.last.method == "DELETE"
    listed = rig.pve.tasks.list("pve2", vmid=105, limit=5)
    assert rig.last.params == {"vmid": "105", "limit": "5"}
    assert listed[1]["status"] == "command 'ifreload -a' failed: exit code 1"


def test_facade_repr_hides_the_token(rig: Rig) -> None:
    assert TOKEN_SECRET not in repr(rig.pve)
