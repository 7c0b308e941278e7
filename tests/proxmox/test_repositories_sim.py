"""Repositories against the simulator's demo fleet: the Proxmox behaviour actions rely on."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr

from proxmox import errors
from proxmox.client import ProxmoxClient
from proxmox.models import MASKED_PASSWORD
from proxmox.repositories import Proxmox
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator

GIB = 1024**3


@pytest.fixture
def sim() -> Simulator:
    return Simulator.demo(manual_clock=True)


@pytest.fixture
def pve(sim: Simulator) -> Proxmox:
    return Proxmox(sim.client())


def test_config_reads_the_demo_vm(pve: Proxmox) -> None:
    config = pve.config.get("pve1", 101)
    assert len(config.digest) == 40
    assert (config.name, config.cores, config.memory_mib) == ("acme-web", 2, 4096)
    assert config.tags == ["owner-acme"]
    assert config.cipassword == MASKED_PASSWORD
    assert config.sshkeys is not None
    assert config.sshkeys.startswith("ssh-ed25519 AAAA")  # decoded from %20
    assert set(config.disks) == {"scsi0"}  # the cloud-init cdrom is not a disk
    assert config.boot_disk is not None
    assert config.boot_disk.size_bytes == 32 * GIB


def test_stale_digest_is_a_conflict(pve: Proxmox) -> None:
    digest = pve.config.get("pve1", 101).digest
    pve.config.update("pve1", 101, {"description": "first"}, digest=digest)
    with pytest.raises(errors.ProxmoxConflict) as caught:
        pve.config.update("pve1", 101, {"description": "second"}, digest=digest)
    assert caught.value.digest_mismatch


def test_cpu_and_memory_on_a_running_vm_wait_in_pending(pve: Proxmox) -> None:
    pve.config.update("pve1", 101, {"cores": 4, "memory": 8192})
    waiting = {p.key: p.pending for p in pve.config.pending("pve1", 101) if p.pending is not None}
    assert waiting == {"cores": 4, "memory": "8192"}
    assert pve.config.get("pve1", 101).cores == 4  # PVE shows pending values by default
    assert pve.config.get("pve1", 101, current=True).cores == 2  # applied at the next boot


def test_clone_locks_the_source_then_finishes(sim: Simulator, pve: Proxmox) -> None:
    newid = pve.cluster.next_id()
    assert pve.cluster.next_id() == newid  # nextid reserves nothing
    upid = pve.servers.clone("pve1", 9000, newid, name="web-1")
    assert (upid.type, upid.node, upid.vmid) == ("qmclone", "pve1", 9000)
    with pytest.raises(errors.ProxmoxLocked) as caught:
        pve.config.update("pve1", 9000, {"description": "busy?"})
    assert (caught.value.lock, caught.value.retryable) == ("clone", True)
    assert pve.tasks.status(upid).running
    sim.finish_tasks()
    assert pve.tasks.status(upid).succeeded
    lines, total = pve.tasks.log(upid, limit=3)
    assert len(lines) == 3
    assert total > 3
    last, _ = pve.tasks.log(upid, start=total - 1)
    assert last[-1].t == "TASK OK"
    assert newid in {v.vmid for v in pve.servers.list("pve1")}
    assert pve.config.get("pve1", newid).name == "web-1"


def test_resize_grows_and_refuses_to_shrink_inside_the_task(sim: Simulator, pve: Proxmox) -> None:
    grow = pve.disks.resize("pve1", 101, "scsi0", "40G")
    assert grow is not None
    sim.finish_tasks()
    assert pve.tasks.status(grow).succeeded
    assert pve.config.get("pve1", 101).disks["scsi0"].size_bytes == 40 * GIB
    shrink = pve.disks.resize("pve1", 101, "scsi0", "8G")
    assert shrink is not None
    sim.finish_tasks()
    assert pve.tasks.status(shrink).error == "shrinking disks is not supported"


def test_power_cycle(sim: Simulator, pve: Proxmox) -> None:
    assert pve.power.status("pve2", 102).status == "stopped"
    start = pve.power.start("pve2", 102)
    sim.finish_tasks()
    assert pve.tasks.status(start).succeeded
    assert pve.power.status("pve2", 102).status == "running"
    again = pve.power.start("pve2", 102)
    sim.finish_tasks()
    assert pve.tasks.status(again).error == "VM 102 already running"
    stop = pve.power.shutdown("pve2", 102, timeout=30, force_stop=True)
    sim.finish_tasks()
    assert pve.tasks.status(stop).succeeded
    assert pve.power.status("pve2", 102).status == "stopped"


def test_backup_keeps_older_backups_and_restore_needs_a_stopped_vm(
    sim: Simulator, pve: Proxmox
) -> None:
    before = pve.storage.backups("pve1", "backup", vmid=101)
    upid = pve.backups.create("pve1", 101, storage="backup", notes="pre-change")
    sim.finish_tasks()
    assert pve.tasks.status(upid).succeeded
    after = pve.storage.backups("pve1", "backup", vmid=101)
    assert {b.volid for b in before} < {b.volid for b in after}
    newest = max(after, key=lambda b: b.ctime)
    assert newest.volid.startswith("backup:backup/vzdump-qemu-101-")
    assert newest.volid.endswith(".vma.zst")
    with pytest.raises(errors.ProxmoxApiException, match="running"):
        pve.servers.restore("pve1", 101, newest.volid)
    pve.power.stop("pve1", 101)
    sim.finish_tasks()
    restore = pve.servers.restore("pve1", 101, newest.volid, storage="local-lvm")
    sim.finish_tasks()
    assert pve.tasks.status(restore).succeeded


def test_cloud_init_password_pending_until_regenerated(pve: Proxmox) -> None:
    pve.config.update("pve1", 101, {"cipassword": "n3w-Passw0rd"})
    pending = {e["key"]: e.get("pending") for e in pve.cloudinit.pending("pve1", 101)}
    assert pending["cipassword"] == MASKED_PASSWORD
    pve.cloudinit.regenerate("pve1", 101)
    assert all("pending" not in e for e in pve.cloudinit.pending("pve1", 101))


def test_agent_password_needs_a_running_vm_and_never_leaks(pve: Proxmox) -> None:
    pve.cloudinit.set_user_password("pve1", 101, "acme", SecretStr("n3w-Passw0rd"))
    with pytest.raises(errors.ProxmoxApiException) as caught:
        pve.cloudinit.set_user_password("pve2", 102, "acme", SecretStr("n3w-Passw0rd"))
    assert "not running" in str(caught.value)
    assert "n3w-Passw0rd" not in str(caught.value) + repr(caught.value)


def test_destroy_a_stopped_vm(sim: Simulator, pve: Proxmox) -> None:
    upid = pve.servers.destroy("pve2", 102)
    sim.finish_tasks()
    assert pve.tasks.status(upid).succeeded
    with pytest.raises(errors.ProxmoxNotFound):
        pve.config.get("pve2", 102)


def test_cluster_views(pve: Proxmox) -> None:
    assert [n.node for n in pve.cluster.nodes()] == ["pve1", "pve2", "pve3"]
    vms = {r.vmid: r for r in pve.cluster.resources("vm")}
    assert vms[9000].template is True
    assert vms[103].tags == ["owner-globex", "production"]
    assert pve.cluster.version()["release"].startswith("9.")
    assert "uptime" in pve.cluster.node_status("pve1")


def test_task_list_and_stop(sim: Simulator, pve: Proxmox) -> None:
    upid = pve.power.reboot("pve1", 101)
    pve.tasks.stop(upid)
    sim.finish_tasks()
    assert pve.tasks.status(upid).error == "interrupted by signal"
    listed = pve.tasks.list("pve1", vmid=101, limit=5)
    assert listed[0]["upid"] == str(upid)


def test_lock_timeout_is_retryable(sim: Simulator, pve: Proxmox) -> None:
    sim.faults.lock_timeout(101, seconds=5)
    with pytest.raises(errors.ProxmoxLocked) as caught:
        pve.config.update("pve1", 101, {"description": "x"})
    assert caught.value.retryable


def test_wrong_token_is_an_authentication_error(sim: Simulator) -> None:
    client = ProxmoxClient(
        "http://sim.invalid", SIM_TOKEN_ID, SecretStr("wrong"), transport=sim.transport()
    )
    with pytest.raises(errors.ProxmoxAuthenticationError):
        Proxmox(client).cluster.version()


def test_over_real_http_with_a_hanging_request(sim: Simulator) -> None:
    with sim.serve() as base_url:
        secret = SecretStr(SIM_TOKEN_SECRET)
        with ProxmoxClient(base_url, SIM_TOKEN_ID, secret, timeout=0.3) as client:
            pve = Proxmox(client)
            assert pve.power.status("pve1", 101).status == "running"
            upid = pve.power.stop("pve1", 101)
            sim.finish_tasks()
            assert pve.tasks.status(upid).succeeded
            sim.faults.hang_next(5.0, path="/status/current")
            started = time.monotonic()
            with pytest.raises(errors.ProxmoxTimeout):
                pve.power.status("pve1", 101)
            assert time.monotonic() - started < 0.6
