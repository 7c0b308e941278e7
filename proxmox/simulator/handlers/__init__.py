"""The simulator's request handlers, one module per area of the API; ``ROUTES`` in the order
the router tries them."""

from proxmox.simulator.handlers import (
    backup,
    cluster,
    config,
    disks,
    lifecycle,
    power,
    storage,
    tasks,
)

ROUTES = (
    *cluster.ROUTES,
    *power.ROUTES,
    *config.ROUTES,
    *disks.ROUTES,
    *lifecycle.ROUTES,
    *backup.ROUTES,
    *storage.ROUTES,
    *tasks.ROUTES,
)

__all__ = ["ROUTES"]
