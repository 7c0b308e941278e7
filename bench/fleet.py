"""More customer VMs in the simulator (cloned from the demo template through its own API),
so that repeated commands in a benchmark or test land on servers that are not busy."""

from __future__ import annotations

from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator

TEMPLATE = 9000


def add_customer_vms(sim: Simulator, vmids: range, *, account: str, running: bool = True) -> None:
    """Clone the demo template into ``vmids`` on pve1, tag them ``owner-<account>``, start
    them; the clones finish at once (time_scale 0 while this runs)."""
    scale = sim.time_scale
    sim.time_scale = 0.0
    px = Proxmox(sim.client())
    try:
        for vmid in vmids:
            px.servers.clone("pve1", TEMPLATE, vmid, name=f"{account}-{vmid}")
            sim.finish_tasks()
            px.config.update("pve1", vmid, {"tags": f"owner-{account}"})
            if running:
                px.power.start("pve1", vmid)
                sim.finish_tasks()
    finally:
        px.client.close()
        sim.time_scale = scale
    sim.clear_calls()
