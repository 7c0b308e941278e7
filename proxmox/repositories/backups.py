"""Backups (vzdump). Listing and deleting backup volumes lives in ``storage``."""

from __future__ import annotations

from proxmox.client import expect_upid
from proxmox.repositories._base import Repository, node_path
from proxmox.upid import UPID


class BackupRepository(Repository):
    def create(
        self,
        node: str,
        vmid: int,
        *,
        storage: str,
        mode: str = "snapshot",
        compress: str = "zstd",
        remove: bool = False,
        notes: str | None = None,
    ) -> UPID:
        """Start a vzdump task. ``remove`` is always sent: PVE's default prunes old backups."""
        path = node_path(node, "vzdump")
        body = {
            "vmid": str(vmid),
            "storage": storage,
            "mode": mode,
            "compress": compress,
            "remove": remove,
            "notes-template": notes,
        }
        return expect_upid(self.client.post(path, body), "POST", path)
