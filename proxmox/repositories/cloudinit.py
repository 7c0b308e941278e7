"""Cloud-init: regenerate the drive, list pending values, set a password through the agent."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr

from proxmox.errors import ProxmoxApiException
from proxmox.repositories._base import Repository, dicts, vm_path


class CloudInitRepository(Repository):
    def regenerate(self, node: str, vmid: int) -> None:
        """Rebuild the cloud-init drive so new values (password, keys) reach the guest on boot."""
        self.client.put(vm_path(node, vmid, "cloudinit"))

    def pending(self, node: str, vmid: int) -> list[dict[str, Any]]:
        return dicts(self._get_list(vm_path(node, vmid, "cloudinit")))

    def set_user_password(self, node: str, vmid: int, username: str, password: SecretStr) -> None:
        """Set a guest user's password through the QEMU guest agent (the VM must run)."""
        path = vm_path(node, vmid, "agent", "set-user-password")
        secret = password.get_secret_value()
        try:
            self.client.post(path, {"username": username, "password": secret})
        except ProxmoxApiException as exc:
            raise exc.without(secret) from None
