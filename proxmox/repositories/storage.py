"""Storages of a node and their content: backup volumes, one volume, volume deletion."""

from __future__ import annotations

import builtins
from typing import Any

from proxmox.client import expect_upid
from proxmox.models import BackupVolume, StorageInfo
from proxmox.repositories._base import Repository, dicts, node_path
from proxmox.upid import UPID


class StorageRepository(Repository):
    def list(self, node: str, *, content: str | None = None) -> list[StorageInfo]:
        items = dicts(self._get_list(node_path(node, "storage"), {"content": content}))
        return [StorageInfo.model_validate(item) for item in items]

    def backups(
        self, node: str, storage: str, *, vmid: int | None = None
    ) -> builtins.list[BackupVolume]:
        path = node_path(node, "storage", storage, "content")
        items = dicts(self._get_list(path, {"content": "backup", "vmid": vmid}))
        return [BackupVolume.model_validate(item) for item in items]

    def volume(self, node: str, storage: str, volume: str) -> dict[str, Any]:
        return self._get_dict(node_path(node, "storage", storage, "content", volume))

    def delete_volume(self, node: str, storage: str, volume: str) -> UPID | None:
        """An ``imgdel`` task, or None when it finished before PVE answered."""
        path = node_path(node, "storage", storage, "content", volume)
        answer = self.client.delete(path)
        return None if answer is None else expect_upid(answer, "DELETE", path)
