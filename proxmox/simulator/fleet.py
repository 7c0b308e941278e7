"""The demo fleet: three nodes, their storages, two templates, three customer VMs, backups.

- nodes ``pve1`` (templates, 101), ``pve2`` (102), ``pve3`` (103)
- storages ``local-lvm`` (lvmthin, images; per node), ``local`` (dir, iso/vztmpl/backup; per
  node) and ``backup`` (dir, backup, shared; prune-backups keep-last=3)
- templates 9000 ``debian-12`` and 9001 ``ubuntu-24.04`` (cloud-init, agent, 10G disk)
- 101 ``acme-web`` (running) and 102 ``acme-db`` (stopped), tag ``owner-acme``;
  103 ``globex-app`` (running), tags ``owner-globex;production``
"""

from __future__ import annotations

import time
from urllib.parse import quote

from proxmox.simulator import propstr
from proxmox.simulator.state import GiB, Node, Storage, Value, Vm, Volume, World

DAY = 86_400
SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoKeyForTheJotunheimSimulator0000 admin@acme"


def populate(world: World) -> None:
    now = world.clock.now()
    for name, cpus, mem, age in (
        ("pve1", 32, 256, 41),
        ("pve2", 16, 128, 40),
        ("pve3", 16, 128, 12),
    ):
        world.nodes[name] = Node(name, cpus, mem * GiB, 100 * GiB, now - age * DAY)
    names = list(world.nodes)
    for node in names:
        world.add_storage(Storage("local-lvm", "lvmthin", ("images", "rootdir"), 900 * GiB), [node])
        world.add_storage(
            Storage("local", "dir", ("iso", "vztmpl", "backup"), 94 * GiB, path="/var/lib/vz"),
            [node],
        )
    backup = Storage(
        "backup", "dir", ("backup",), 4096 * GiB, shared=True, path="/mnt/pve/backup",
        prune_keep_last=3,
    )  # fmt: skip
    world.add_storage(backup, names)
    _template(world, 9000, "debian-12", "debian")
    _template(world, 9001, "ubuntu-24.04", "ubuntu")
    _customer(world, 101, "pve1", "acme-web", "owner-acme", cores=2, memory=4096, running=True)
    _customer(world, 102, "pve2", "acme-db", "owner-acme", cores=4, memory=8192, running=False)
    _customer(
        world, 103, "pve3", "globex-app", "owner-globex;production", cores=2, memory=2048,
        running=True,
    )  # fmt: skip
    for vmid, days_ago in ((101, 2), (101, 1), (103, 1)):
        _backup(world, backup, vmid, now - days_ago * DAY)


def _disk(
    world: World, vm: Vm, key: str, size: int, options: str = "discard=on", prefix: str = "vm"
) -> None:
    volid = world.allocate(vm.node, "local-lvm", vm.vmid, size, prefix=prefix)
    vm.config[key] = f"{volid},{options},size={propstr.format_size(size)}"


def _cloudinit_drive(world: World, vm: Vm) -> None:
    volid = world.allocate(vm.node, "local-lvm", vm.vmid, 4 * 1024**2, suffix="cloudinit")
    vm.config["ide2"] = f"{volid},media=cdrom"


def _base(vmid: int, name: str, ctime: int) -> dict[str, Value]:
    return {
        "name": name,
        "ostype": "l26",
        "scsihw": "virtio-scsi-pci",
        "cores": 1,
        "sockets": 1,
        "memory": "2048",
        "cpu": "x86-64-v2-AES",
        "agent": "1",
        "boot": "order=scsi0",
        "serial0": "socket",
        "vga": "serial0",
        "net0": f"virtio=BC:24:11:{vmid // 10000 % 100:02X}:{vmid // 100 % 100:02X}:"
        f"{vmid % 100:02X},bridge=vmbr0,firewall=1",
        "ipconfig0": "ip=dhcp",
        "smbios1": f"uuid=5e1d0000-0000-4000-8000-{vmid:012d}",
        "vmgenid": f"0a1b2c3d-0000-4000-8000-{vmid:012d}",
        "meta": f"creation-qemu=9.2.0,ctime={ctime}",
    }


def _template(world: World, vmid: int, name: str, user: str) -> None:
    vm = Vm(vmid, "pve1", _base(vmid, name, int(world.clock.now()) - 90 * DAY))
    vm.config.update(template=1, ciuser=user, description=f"{name} cloud image")
    world.vms[vmid] = vm
    _disk(world, vm, "scsi0", 10 * GiB, prefix="base")
    _cloudinit_drive(world, vm)
    vm.regenerate_cloudinit()


def _customer(
    world: World, vmid: int, node: str, name: str, tags: str, *, cores: int, memory: int,
    running: bool,
) -> None:  # fmt: skip
    ctime = int(world.clock.now()) - 30 * DAY
    vm = Vm(vmid, node, _base(vmid, name, ctime))
    user = "acme" if "acme" in tags else "globex"
    vm.config.update(
        cores=cores, memory=str(memory), tags=tags, onboot=1, ciuser=user,
        cipassword="$5$sim$demo-password-hash", sshkeys=quote(SSH_KEY, safe=""),
        ipconfig0=f"ip=203.0.113.{vmid - 90}/24,gw=203.0.113.1", nameserver="1.1.1.1",
    )  # fmt: skip
    world.vms[vmid] = vm
    _disk(world, vm, "scsi0", 32 * GiB, "discard=on,iothread=1")
    _cloudinit_drive(world, vm)
    vm.regenerate_cloudinit()
    if running:
        vm.status = "running"
        vm.started_at = world.clock.now() - 3 * DAY - vmid


def _backup(world: World, storage: Storage, vmid: int, when: float) -> None:
    vm = world.vms[vmid]
    stamp = time.strftime("%Y_%m_%d-%H_%M_%S", time.gmtime(when))
    volid = f"{storage.name}:backup/vzdump-qemu-{vmid}-{stamp}.vma.zst"
    storage.volumes[volid] = Volume(
        volid, 1_273_741_824 + vmid, vmid, content="backup", format="vma.zst",
        ctime=int(when), notes=f"{vm.config['name']}, nightly", config=dict(vm.config),
    )  # fmt: skip
