"""Disk resize: grows only; since qemu-server 8.0 a task, before that synchronous (null)."""

from __future__ import annotations

from proxmox.client import expect_upid
from proxmox.repositories._base import Repository, vm_path
from proxmox.upid import UPID


class DiskRepository(Repository):
    def resize(
        self, node: str, vmid: int, disk: str, size: str, *, digest: str | None = None
    ) -> UPID | None:
        """``size`` is absolute (``32G``) or relative (``+8G``); absolute is idempotent."""
        path = vm_path(node, vmid, "resize")
        answer = self.client.put(path, {"disk": disk, "size": size, "digest": digest or None})
        return None if answer is None else expect_upid(answer, "PUT", path)
