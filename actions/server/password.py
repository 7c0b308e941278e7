"""A new password: generated here, shown privately to the requester, only then set as
``cipassword``, and made live through the agent if it can.

Delivered first, set second: a password that could not reach its owner is never set, so
nobody is locked out of their server by a chat outage. The password exists only inside
``execute`` and the private message: never in the plan, the summary, the context, a log
line or an exception (errors are rebuilt without it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from pydantic import Field, SecretStr

from actions.base import JSON, ActionError, Change, NotDelivered, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest, update_config
from actions.passwords import generate_password
from proxmox.errors import ProxmoxApiException
from proxmox.models import VmConfig

# A stopped server takes the new password when it starts: nothing waits for a reboot.
_AT_START = "takes effect when the server starts"


class PasswordRequest(VmRequest):
    # The guest user; default: the VM's cloud-init user, else the configured default.
    username: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_-]{0,31}$")


class PasswordAction(ServerAction[PasswordRequest]):
    name = "server.password"
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
        delivered: list[str] = []

        def set_it(current: VmConfig) -> dict[str, object]:
            user = request.username or current.ciuser or self.config.default_ciuser
            if not delivered:  # a digest retry reads the config again: deliver only once
                self._deliver(request.vmid, user, password)
                delivered.append(user)
            return {"cipassword": secret}

        try:
            before, _ = update_config(self.px, node, request.vmid, set_it)
            self.px.cloudinit.regenerate(node, request.vmid)
            user = delivered[0]
            live, why = self._set_live(node, request.vmid, user, password, before.agent_enabled)
        except ProxmoxApiException as exc:
            if delivered:
                self._take_back(request.vmid)
            raise exc.without(secret) from None
        # A password that waits for a reboot is said so once, by the card's reboot line.
        summary = f"new password for {user} set" + (" and active now" if live else f" ({why})")
        return StepResult(
            summary=summary,
            needs_reboot=not live and why != _AT_START,
            context={**context, "node": node, "username": user},
        )

    def _deliver(self, vmid: int, user: str, password: SecretStr) -> None:
        try:
            self.deliver_privately(
                f"Your new password for {user} on server {vmid} (being set now):", password
            )
        except NotDelivered:
            raise ActionError(
                "I could not reach you privately, so the password was not changed; "
                "check that I may message you, then ask again"
            ) from None

    def _take_back(self, vmid: int) -> None:
        """The password was shown but Proxmox refused it: say it is not the server's."""
        with contextlib.suppress(NotDelivered):
            self.deliver_privately(
                f"The password sent a moment ago was not set on server {vmid}.", SecretStr("")
            )

    def _set_live(
        self, node: str, vmid: int, user: str, password: SecretStr, agent: bool
    ) -> tuple[bool, str]:
        """Try the guest agent; its failure is not the action's: a reboot still applies it."""
        if self.px.power.status(node, vmid).status != "running":
            return False, _AT_START
        if not agent:
            return False, "the guest agent is off"
        try:
            self.px.cloudinit.set_user_password(node, vmid, user, password)
        except ProxmoxApiException:
            return False, "the guest agent did not answer"
        return True, ""
