"""A fleet of thousands of servers in the testbot's inventory cache, beside the demo fleet.

Only the cache: that is all a list reads (the ack path never asks Proxmox), and creating
10,000 VMs in the simulator would take minutes for nothing. The entries keep the demo
fleet's (101 acme-web, 102 acme-db, 103 globex-app, the templates), so commands on those
still reach the simulator; a sync would drop the rest, as it would in production.
"""

from __future__ import annotations

from collections.abc import Callable

from jobs.state.inventory import InventoryEntry
from proxmox.simulator import Simulator, fleet
from tests.support.testbot import TestBot

FIRST_VMID = 100_000
GIB = 1024**3


def seed_fleet(
    bot: TestBot, count: int, *, owner: Callable[[int], str | None], first: int = FIRST_VMID
) -> list[int]:
    """``count`` running servers from VMID ``first`` on, owned by ``owner(n)`` (the n-th,
    from 0; ``None`` for none), on the demo's three nodes. Returns their VMIDs."""
    inventory = bot.handler.stores.inventory
    vmids = list(range(first, first + count))
    added = [
        InventoryEntry(
            vmid=vmid,
            node=f"pve{n % 3 + 1}",
            name=f"bulk-{vmid}",
            status="running",
            owner=owner(n),
            cores=2,
            memory_mib=4096,
            disk_bytes=32 * GIB,
        )
        for n, vmid in enumerate(vmids)
    ]
    inventory.replace_all([*inventory.all(), *added], now=bot.clock.now())
    return vmids


def add_servers(sim: Simulator, count: int, *, account: str, first: int = FIRST_VMID) -> list[int]:
    """``count`` running servers of ``account`` in the simulator itself (not only the cache:
    a job re-reads each from Proxmox before it acts), from VMID ``first`` on, on the demo's
    three nodes, built as the demo builds its customers' servers. Returns their VMIDs;
    ``TestBot.sync`` then puts them in the inventory."""
    vmids = list(range(first, first + count))
    with sim.lock:
        for n, vmid in enumerate(vmids):
            node, name, tags = f"pve{n % 3 + 1}", f"bulk-{vmid}", f"owner-{account}"
            fleet._customer(sim.world, vmid, node, name, tags, cores=2, memory=4096, running=True)
            host = f"{n // 250 % 256}.{n % 250 + 2}"
            sim.world.vms[vmid].config["ipconfig0"] = f"ip=10.20.{host}/16,gw=10.20.0.1"
    return vmids
