"""VM lifecycle: list a node's VMs, clone, destroy, restore from a backup, make a template."""

from __future__ import annotations

from proxmox.client import expect_upid
from proxmox.models import VmStatus
from proxmox.repositories._base import Repository, dicts, node_path, vm_path
from proxmox.upid import UPID


class ServerRepository(Repository):
    def list(self, node: str) -> list[VmStatus]:
        items = dicts(self._get_list(node_path(node, "qemu")))
        return [VmStatus.model_validate(item) for item in items]

    def clone(
        self,
        node: str,
        vmid: int,
        newid: int,
        *,
        name: str | None = None,
        target: str | None = None,
        storage: str | None = None,
        full: bool = True,
        description: str | None = None,
        pool: str | None = None,
    ) -> UPID:
        path = vm_path(node, vmid, "clone")
        body = {
            "newid": newid,
            "name": name,
            "target": target,
            "storage": storage,
            "full": full,
            "description": description,
            "pool": pool,
        }
        return expect_upid(self.client.post(path, body), "POST", path)

    def destroy(
        self, node: str, vmid: int, *, purge: bool = True, destroy_unreferenced_disks: bool = True
    ) -> UPID:
        """Delete the VM; ``purge`` also drops it from backup jobs, replication and HA."""
        path = vm_path(node, vmid)
        params = {"purge": purge, "destroy-unreferenced-disks": destroy_unreferenced_disks}
        return expect_upid(self.client.delete(path, params), "DELETE", path)

    def restore(
        self, node: str, vmid: int, archive: str, *, storage: str | None = None, force: bool = True
    ) -> UPID:
        """Create (or with ``force`` overwrite) VM ``vmid`` from a backup volume; the VM must
        be stopped."""
        path = node_path(node, "qemu")
        body = {"vmid": vmid, "archive": archive, "storage": storage, "force": force}
        return expect_upid(self.client.post(path, body), "POST", path)

    def template(self, node: str, vmid: int) -> UPID:
        path = vm_path(node, vmid, "template")
        return expect_upid(self.client.post(path), "POST", path)
