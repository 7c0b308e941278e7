"""Models read the real captured bodies, and the quirks real servers send."""

from __future__ import annotations

import pytest

from proxmox import models
from tests.proxmox.captures import data_of

GIB = 1024**3


def test_config_pve9_string_memory_sshkeys_cloudinit_drive() -> None:
    config = models.VmConfig.model_validate(data_of("qemu-config-pve9"))
    assert config.memory_mib == 4096
    assert config.cores == 4
    assert config.sockets == 1
    assert config.digest == "18389648fd69603dd93ab0c443e1f32267f6c436"
    assert set(config.disks) == {"scsi0", "efidisk0"}  # scsi1 is the cloud-init cdrom
    scsi0 = config.disks["scsi0"]
    assert scsi0.volume == "local-zfs:vm-111-disk-1"
    assert scsi0.size_bytes == 160 * GIB
    assert scsi0.options == {"discard": "on", "size": "160G", "ssd": "1"}
    assert config.disks["efidisk0"].size_bytes == 1024**2
    assert config.boot_disk is scsi0
    assert config.sshkeys == (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILnyd2niY8ht8KRea6M6y+TBx08F7zRdhBlKjk7aywMT"
    )
    assert config.ipconfig == {"ipconfig0": "ip=10.100.1.174/24,gw=10.100.1.1,ip6=auto"}
    assert config.agent_enabled is False
    assert config.lock is None
    assert config.raw["memory"] == "4096"
    assert config.raw["meta"] == "creation-qemu=10.0.2,ctime=1754900283"


def test_config_pve62_int_memory_agent_property_string() -> None:
    config = models.VmConfig.model_validate(data_of("qemu-config-pve6.2"))
    assert config.memory_mib == 8192
    assert config.agent_enabled is True
    assert config.balloon == 0
    assert config.numa is False
    assert config.name == "test-qemu-multi-nic"
    assert sorted(config.disks) == ["scsi0", "scsi1", "scsi2"]  # ide2 is a cdrom
    assert config.disks["scsi1"].size_bytes == 30 * GIB
    assert config.boot_disk is not None
    assert config.boot_disk.key == "scsi0"


def test_config_quirks() -> None:
    config = models.VmConfig.model_validate(
        {
            "digest": "a" * 40,
            "memory": "current=4096",
            "cores": "2",
            "sockets": "2",
            "tags": "owner-acme;prod, web  db",
            "protection": "1",
            "template": 1,
            "lock": "backup",
            "numa": 1,
            "hotplug": 0,
            "cipassword": "**********",
            "ciuser": "debian",
            "agent": "enabled=1,fstrim_cloned_disks=1",
            "virtio0": "local-lvm:vm-101-disk-0,iothread=1,size=32G",
            "ide0": "local-lvm:vm-101-disk-1,size=512M",
            "ide2": "local-lvm:vm-101-cloudinit,media=cdrom",
        }
    )
    assert (config.memory_mib, config.cores, config.sockets) == (4096, 2, 2)
    assert config.tags == ["owner-acme", "prod", "web", "db"]
    assert (config.protection, config.template, config.numa, config.agent_enabled) == (True,) * 4
    assert config.lock == "backup"
    assert config.hotplug == "0"
    assert config.cipassword == models.MASKED_PASSWORD
    assert config.boot_disk is not None
    assert config.boot_disk.key == "virtio0"  # virtio0 comes before ide0
    assert config.boot_disk.options == {"iothread": "1", "size": "32G"}
    assert set(config.disks) == {"virtio0", "ide0"}


def test_config_without_optional_keys_uses_pve_defaults() -> None:
    config = models.VmConfig.model_validate({"digest": "d"})
    assert (config.cores, config.sockets, config.memory_mib) == (1, 1, 512)
    assert config.tags == []
    assert config.disks == {}
    assert config.boot_disk is None
    assert config.sshkeys is None
    assert config.cipassword is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("32G", 32 * GIB),
        ("1T", 1024**4),
        ("512M", 512 * 1024**2),
        ("4K", 4096),
        ("1000", 1000),
        ("1.5G", int(1.5 * GIB)),
        ("8g", 8 * GIB),
    ],
)
def test_parse_size_uses_powers_of_1024(text: str, expected: int) -> None:
    assert models.parse_size(text) == expected


@pytest.mark.parametrize("bad", ["", "G", "32GB", "-1G", "lots"])
def test_parse_size_refuses_nonsense(bad: str) -> None:
    with pytest.raises(ValueError, match="not a Proxmox size"):
        models.parse_size(bad)


def test_split_tags() -> None:
    assert models.split_tags("a;b,c d") == ["a", "b", "c", "d"]
    assert models.split_tags(None) == []
    assert models.split_tags(";;") == []


def test_vm_status_running_and_stopped_captures() -> None:
    running = models.VmStatus.model_validate(data_of("qemu-status-current-running-pve8.0"))
    assert (running.vmid, running.status, running.qmpstatus) == (101, "running", "running")
    assert running.agent is True
    assert running.mem == 1127792640
    assert running.maxmem == 2097152000
    assert 0 <= running.cpu <= 1
    assert running.model_extra is not None
    assert "blockstat" in running.model_extra  # nothing the server sent is lost
    stopped = models.VmStatus.model_validate(data_of("qemu-status-current-stopped-pve6.2"))
    assert (stopped.status, stopped.uptime, stopped.agent, stopped.cpus) == ("stopped", 0, False, 2)


def test_vm_list_capture_and_string_vmid() -> None:
    listed = [models.VmStatus.model_validate(v) for v in data_of("qemu-list")]
    assert [(v.vmid, v.status) for v in listed] == [(101, "stopped"), (100, "running")]
    lxc = models.VmStatus.model_validate({"vmid": "103", "status": "running", "cpu": "0.25"})
    assert (lxc.vmid, lxc.cpu) == (103, 0.25)


def test_nodes_capture() -> None:
    nodes = [models.NodeInfo.model_validate(n) for n in data_of("nodes-list-4node")]
    assert [n.node for n in nodes] == ["node1", "node2", "node3", "node4"]
    assert all(n.status == "online" for n in nodes)
    assert nodes[0].maxcpu == 12
    assert nodes[0].maxmem == 33568288768


def test_cluster_resources_captures() -> None:
    resources = [
        models.ClusterResource.model_validate(r) for r in data_of("cluster-resources-4node")
    ]
    by_id = {r.id: r for r in resources}
    assert by_id["qemu/101"].template is True
    assert by_id["qemu/100"].template is False
    assert by_id["qemu/102"].tags == ["go-proxmox+cloud-init"]
    assert by_id["node/node3"].vmid is None
    assert by_id["storage/node1/local"].model_extra == {
        "storage": "local",
        "content": "backup,vztmpl,iso",
        "plugintype": "dir",
        "shared": 0,
    }
    storages = data_of("cluster-resources-type-storage-pvesh")
    assert {models.ClusterResource.model_validate(s).type for s in storages} == {"storage"}


@pytest.mark.parametrize(
    "name",
    [
        "storage-content-backup-dir-lxc",
        "storage-content-backup-dir-qemu-official",
        "storage-content-backup-pbs",
    ],
)
def test_backup_volume_captures(name: str) -> None:
    volumes = [models.BackupVolume.model_validate(v) for v in data_of(name)]
    assert volumes
    for volume in volumes:
        assert isinstance(volume.vmid, int)
        assert volume.size > 0
        assert volume.ctime > 1_500_000_000
        assert volume.storage == volume.volid.split(":")[0]
        assert volume.protected is False


def test_backup_volume_fields() -> None:
    first = models.BackupVolume.model_validate(data_of("storage-content-backup-dir-lxc")[0])
    assert (first.storage, first.vmid, first.format) == ("backup_pve", 100, "tar.zst")
    assert first.notes == "iobDev, 100"
    qemu = models.BackupVolume.model_validate(
        data_of("storage-content-backup-dir-qemu-official")[0]
    )
    assert qemu.vmid == 16110  # a string on the wire


@pytest.mark.parametrize(
    ("name", "running", "succeeded", "warnings", "error"),
    [
        ("task-status-running", True, False, 0, None),
        ("task-status-stopped-ok", False, True, 0, None),
        ("task-status-warnings", False, True, 1, None),
        ("task-status-stopped-interrupted", False, False, 0, "interrupted by signal"),
        (
            "task-status-error-token-user",
            False,
            False,
            0,
            "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout",
        ),
    ],
)
def test_task_status_captures(
    name: str, running: bool, succeeded: bool, warnings: int, error: str | None
) -> None:
    task = models.TaskStatus.model_validate(data_of(name))
    assert (task.running, task.succeeded, task.warnings, task.error) == (
        running,
        succeeded,
        warnings,
        error,
    )
    assert task.id.isdigit()


def test_stopped_task_without_exitstatus_is_an_error() -> None:
    task = models.TaskStatus.model_validate({"upid": "u", "node": "n", "status": "stopped"})
    assert not task.succeeded
    assert task.error == "task ended without an exit status"


def test_task_log_capture() -> None:
    lines = [models.TaskLogLine.model_validate(x) for x in data_of("task-log-short")]
    assert [(line.n, line.t) for line in lines] == [
        (1, "client connection: 127.0.0.1:49608"),
        (2, "TASK OK"),
    ]


def test_storage_info_lax_values() -> None:
    info = models.StorageInfo.model_validate(
        {
            "storage": "backup",
            "type": "dir",
            "content": "backup,iso",
            "active": 1,
            "enabled": "1",
            "shared": 0,
            "avail": "1024",
            "total": 2048,
        }
    )
    assert info.content == ["backup", "iso"]
    assert (info.active, info.enabled, info.shared) == (True, True, False)
    assert (info.avail, info.used, info.total) == (1024, None, 2048)


def test_pending_item() -> None:
    item = models.PendingItem.model_validate({"key": "cores", "value": 2, "pending": "4"})
    assert (item.key, item.value, item.pending, item.delete) == ("cores", 2, "4", None)
    deleted = models.PendingItem.model_validate({"key": "tags", "value": "a", "delete": "1"})
    assert deleted.delete == 1
