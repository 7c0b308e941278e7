"""A new password: generated here, set as ``cipassword``, and live through the agent if it can.

The password exists only inside ``execute`` and in ``StepResult.private``: never in the plan,
the summary, the context, a log line or an exception (errors are rebuilt without it).
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import Field, SecretStr

from actions.base import JSON, Change, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest, update_config
from actions.passwords import generate_password
from proxmox.errors import ProxmoxApiException


class PasswordRequest(VmRequest):
    # The guest user; default: the VM's cloud-init user, else the configured default.
    username: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_-]{0,31}$")


class PasswordAction(ServerAction[PasswordRequest]):
    name = "server.password"
    title = "New password"
    steps = (Step("execute", says="setting a new password"),)
    request_model = PasswordRequest

    def plan(self, request: PasswordRequest) -> Plan:
        node = self.locate(request.vmid).node
        config = self.px.config.get(node, request.vmid)
        user = request.username or config.ciuser or self.config.default_ciuser
        running = self.px.power.status(node, request.vmid).status == "running"
        calls = [
            f"PUT {self.vm_path(node, request.vmid, 'config')} (cipassword, digest)",
            f"PUT {self.vm_path(node, request.vmid, 'cloudinit')}",
        ]
        if running and config.agent_enabled:
            calls.append(f"POST {self.vm_path(node, request.vmid, 'agent', 'set-user-password')}")
        applies = (
            "now through the guest agent"
            if running and config.agent_enabled
            else "at the next boot"
        )
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=node,
            summary=f"Set a new generated password for {user} on server {request.vmid}; "
            f"it applies {applies} and is shown only to you",
            changes=(Change(what=f"password of {user}", before="(hidden)", after="(new)"),),
            calls=tuple(calls),
        )

    def execute(self, request: PasswordRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)
        password = generate_password()
        secret = password.get_secret_value()
        try:
            before, _ = update_config(
                self.px, node, request.vmid, lambda _current: {"cipassword": secret}
            )
            self.px.cloudinit.regenerate(node, request.vmid)
            user = request.username or before.ciuser or self.config.default_ciuser
            live, why = self._set_live(node, request.vmid, user, password, before.agent_enabled)
        except ProxmoxApiException as exc:
            raise exc.without(secret) from None
        summary = f"new password for {user} on server {request.vmid} set" + (
            " and active now" if live else f"; {why}"
        )
        return StepResult(
            summary=summary,
            private=password,
            needs_reboot=not live,
            context={**context, "node": node, "username": user},
        )

    def _set_live(
        self, node: str, vmid: int, user: str, password: SecretStr, agent: bool
    ) -> tuple[bool, str]:
        """Try the guest agent; its failure is not the action's: a reboot still applies it."""
        if self.px.power.status(node, vmid).status != "running":
            return False, "it takes effect when the server next starts"
        if not agent:
            return False, "the guest agent is off, so reboot the server to apply it"
        try:
            self.px.cloudinit.set_user_password(node, vmid, user, password)
        except ProxmoxApiException:
            return False, "the guest agent did not answer, so reboot the server to apply it"
        return True, ""
