"""VM config: digest, locks, pending on running VMs, cloud-init, agent password."""

from __future__ import annotations

import hashlib

import pytest

from proxmox import errors
from proxmox.client import ProxmoxClient
from proxmox.simulator import Simulator

CONFIG = "/nodes/pve1/qemu/101/config"


def test_config_shape_like_pve9(client: ProxmoxClient) -> None:
    config = client.get(CONFIG)
    assert config["memory"] == "4096"  # a string since qemu-server 8.1
    assert config["cores"] == 2
    assert config["onboot"] == 1
    assert config["scsi0"] == "local-lvm:vm-101-disk-0,discard=on,iothread=1,size=32G"
    assert config["cipassword"] == "**********"
    assert "%20" in config["sshkeys"]
    assert len(config["digest"]) == 40
    assert "lock" not in config


def test_digest_is_sha1_of_the_config_file(client: ProxmoxClient, sim: Simulator) -> None:
    text = sim.vms[101].file_text()
    assert client.get(CONFIG)["digest"] == hashlib.sha1(text.encode()).hexdigest()


def test_digest_mismatch_is_a_conflict(client: ProxmoxClient) -> None:
    digest = client.get(CONFIG)["digest"]
    client.put(CONFIG, {"description": "changed", "digest": digest})
    with pytest.raises(errors.ProxmoxConflict) as caught:
        client.put(CONFIG, {"description": "again", "digest": digest})
    assert caught.value.message == "checksum mismatch (file change by other user?)"
    assert caught.value.digest_mismatch


def test_stopped_vm_changes_apply_at_once(client: ProxmoxClient) -> None:
    path = "/nodes/pve2/qemu/102/config"
    client.put(path, {"cores": 8, "memory": 16384, "delete": "nameserver"})
    config = client.get(path)
    assert (config["cores"], config["memory"]) == (8, "16384")
    assert "nameserver" not in config
    assert client.get("/nodes/pve2/qemu/102/pending") == [
        {"key": k, "value": v} for k, v in sorted(
            (k, v) for k, v in config.items() if k != "digest"
        )
    ]  # fmt: skip


def test_running_vm_without_hotplug_keeps_cpu_and_memory_pending(
    client: ProxmoxClient, sim: Simulator
) -> None:
    client.put(CONFIG, {"cores": 4, "sockets": 2, "memory": "8192", "name": "acme-web-2"})
    assert client.get(CONFIG, {"current": 1})["cores"] == 2
    assert client.get(CONFIG)["cores"] == 4  # default GET merges pending values
    items = {i["key"]: i for i in client.get("/nodes/pve1/qemu/101/pending")}
    assert items["cores"] == {"key": "cores", "value": 2, "pending": 4}
    assert items["memory"] == {"key": "memory", "value": "4096", "pending": "8192"}
    assert items["sockets"] == {"key": "sockets", "value": 1, "pending": 2}
    assert items["name"] == {"key": "name", "value": "acme-web-2"}  # hot-pluggable
    upid = client.post("/nodes/pve1/qemu/101/status/reboot")
    sim.finish_tasks()
    assert client.get(f"/nodes/pve1/tasks/{upid}/status")["exitstatus"] == "OK"
    assert sim.vms[101].config["cores"] == 4
    assert not sim.vms[101].pending


def test_memory_hotplugs_with_numa(client: ProxmoxClient, sim: Simulator) -> None:
    sim.vms[101].config.update(hotplug="network,disk,memory", numa=1)
    client.put(CONFIG, {"memory": 6144, "cores": 3})
    assert sim.vms[101].config["memory"] == "6144"
    assert sim.vms[101].pending == {"cores": 3}


def test_pending_delete_and_revert(client: ProxmoxClient, sim: Simulator) -> None:
    client.put(CONFIG, {"delete": "cpu", "cores": 6})
    items = {i["key"]: i for i in client.get("/nodes/pve1/qemu/101/pending")}
    assert items["cpu"]["delete"] == 1
    client.put(CONFIG, {"revert": "cpu,cores"})
    assert not sim.vms[101].pending
    assert not sim.vms[101].pending_delete


def test_locked_vm_refuses_config_updates(client: ProxmoxClient, sim: Simulator) -> None:
    sim.vms[101].config["lock"] = "backup"
    with pytest.raises(errors.ProxmoxLocked) as caught:
        client.put(CONFIG, {"cores": 3})
    assert (caught.value.status, caught.value.message) == (500, "VM is locked (backup)")
    assert client.get(CONFIG)["lock"] == "backup"


def test_tags_are_split_on_separators(client: ProxmoxClient) -> None:
    client.put(CONFIG, {"tags": "owner-acme, web;prod  prod"})
    assert client.get(CONFIG)["tags"] == "owner-acme;web;prod"


def test_sshkeys_must_be_url_encoded(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.put(CONFIG, {"sshkeys": "ssh-ed25519 AAAA me@host"})
    assert caught.value.errors["sshkeys"].startswith("invalid format - invalid urlencoded string")
    client.put(CONFIG, {"sshkeys": "ssh-ed25519%20AAAA%20me%40host"})


def test_ipconfig_sub_key_errors(client: ProxmoxClient) -> None:
    with pytest.raises(errors.ProxmoxParameterError) as caught:
        client.put(CONFIG, {"ipconfig0": "ip=10.0.0.5/24,gw=10.0.0.999"})
    assert (
        "gw: invalid format - value does not look like a valid IPv4 address"
        in (caught.value.errors["ipconfig0"])
    )


def test_cloudinit_password_flow(client: ProxmoxClient, sim: Simulator) -> None:
    client.put(CONFIG, {"cipassword": "n3w-Secret"})
    assert client.get(CONFIG)["cipassword"] == "**********"
    assert "n3w-Secret" not in sim.vms[101].file_text()
    pending = {i["key"]: i for i in client.get("/nodes/pve1/qemu/101/cloudinit")}
    assert pending["cipassword"] == {
        "key": "cipassword",
        "value": "**********",
        "pending": "**********",
    }
    assert client.put("/nodes/pve1/qemu/101/cloudinit") is None
    after = {i["key"]: i for i in client.get("/nodes/pve1/qemu/101/cloudinit")}
    assert "pending" not in after["cipassword"]


def test_agent_set_user_password(client: ProxmoxClient, sim: Simulator) -> None:
    path = "/nodes/pve1/qemu/101/agent/set-user-password"
    assert client.post(path, {"username": "root", "password": "pw-12345"}) == {"result": {}}
    assert sim.vms[101].guest_passwords == {"root": "pw-12345"}
    sim.vms[101].agent_up = False
    with pytest.raises(errors.ProxmoxServerError, match="QEMU guest agent is not running"):
        client.post(path, {"username": "root", "password": "pw-12345"})
    sim.vms[101].config["agent"] = "0"
    with pytest.raises(errors.ProxmoxServerError, match="No QEMU guest agent configured"):
        client.post(path, {"username": "root", "password": "pw-12345"})
    sim.vms[102].config["agent"] = "1"
    with pytest.raises(errors.ProxmoxServerError, match="VM 102 is not running"):
        client.post("/nodes/pve2/qemu/102/agent/set-user-password",
                    {"username": "root", "password": "pw-12345"})  # fmt: skip


def test_post_config_is_a_task(client: ProxmoxClient, sim: Simulator) -> None:
    upid = client.post(CONFIG, {"description": "async"})
    assert ":qmconfig:101:jotunheim@pve!sim:" in upid
    assert sim.vms[101].config["description"] == "async"


def test_new_disk_is_allocated_on_storage(client: ProxmoxClient, sim: Simulator) -> None:
    client.put("/nodes/pve2/qemu/102/config", {"scsi1": "local-lvm:20"})
    assert sim.vms[102].config["scsi1"] == "local-lvm:vm-102-disk-1,size=20G"
    sizes = {v.volid: v.size for v in sim.volumes("local-lvm", "pve2")}
    assert sizes["local-lvm:vm-102-disk-1"] == 20 * 1024**3
