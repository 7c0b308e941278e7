"""Power state: current status and the start/stop/shutdown/reboot/reset/suspend/resume tasks."""

from __future__ import annotations

from collections.abc import Mapping

from proxmox.client import expect_upid
from proxmox.models import VmStatus
from proxmox.repositories._base import Repository, vm_path
from proxmox.upid import UPID


class PowerRepository(Repository):
    def status(self, node: str, vmid: int) -> VmStatus:
        data = self._get_dict(vm_path(node, vmid, "status", "current"))
        data.setdefault("vmid", vmid)
        return VmStatus.model_validate(data)

    def start(self, node: str, vmid: int) -> UPID:
        return self._action(node, vmid, "start")

    def stop(self, node: str, vmid: int) -> UPID:
        """Hard stop (pull the plug); ``shutdown`` asks the guest."""
        return self._action(node, vmid, "stop")

    def shutdown(
        self, node: str, vmid: int, *, timeout: int | None = None, force_stop: bool = False
    ) -> UPID:
        return self._action(node, vmid, "shutdown", {"timeout": timeout, "forceStop": force_stop})

    def reboot(self, node: str, vmid: int, *, timeout: int | None = None) -> UPID:
        return self._action(node, vmid, "reboot", {"timeout": timeout})

    def reset(self, node: str, vmid: int) -> UPID:
        return self._action(node, vmid, "reset")

    def suspend(self, node: str, vmid: int) -> UPID:
        return self._action(node, vmid, "suspend")

    def resume(self, node: str, vmid: int) -> UPID:
        return self._action(node, vmid, "resume")

    def _action(
        self, node: str, vmid: int, action: str, body: Mapping[str, object] | None = None
    ) -> UPID:
        path = vm_path(node, vmid, "status", action)
        return expect_upid(self.client.post(path, body), "POST", path)
