"""Give a server to an account: its owner tag becomes ``<prefix><account>``.

Ownership lives in Proxmox (the VM's tags), so assigning is one config write: every tag with
the owner prefix is replaced by the new owner tag and all other tags are kept, guarded by
``digest``. Assigning a server to the account that already owns it (and has no stray owner
tags) writes nothing, so a retried job is a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import field_validator

from actions.base import JSON, ActionError, Change, Plan, Step, StepResult
from actions.common import ServerAction, VmRequest, update_config
from proxmox.models import VmConfig

_ACCOUNT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_NOBODY = "(nobody)"


class AssignRequest(VmRequest):
    account: str

    @field_validator("account")
    @classmethod
    def _account_is_a_tag(cls, value: str) -> str:
        if not _ACCOUNT.fullmatch(value):
            raise ValueError(
                f"expected lowercase letters, digits, - or _ (max 32 characters), got {value!r}"
            )
        return value


class AssignAction(ServerAction[AssignRequest]):
    name = "server.assign"
    steps = (Step("execute", says="setting the owner"),)
    request_model = AssignRequest

    def plan(self, request: AssignRequest) -> Plan:
        where = self.locate(request.vmid)
        config = self.px.config.get(where.node, request.vmid)
        self._refuse_template(config, request.vmid)
        before = self.config.owner_of(list(config.tags)) or _NOBODY
        wanted = self.retagged(list(config.tags), request.account)
        calls = (
            (f"PUT {self.vm_path(where.node, request.vmid, 'config')} (tags, digest)",)
            if wanted != list(config.tags)
            else ()
        )
        return Plan(
            action=self.name,
            vmid=request.vmid,
            node=where.node,
            summary=f"Give server {request.vmid} to account {request.account}",
            changes=(Change(what="owner", before=before, after=request.account),),
            calls=calls,
        )

    def execute(self, request: AssignRequest, context: Mapping[str, JSON]) -> StepResult:
        node = self.where(request.vmid, context)

        def changes_for(current: VmConfig) -> dict[str, object]:
            self._refuse_template(current, request.vmid)
            tags = self.retagged(list(current.tags), request.account)
            return {"tags": tags} if tags != list(current.tags) else {}

        before, changes = update_config(self.px, node, request.vmid, changes_for)
        was = self.config.owner_of(list(before.tags))
        if not changes:
            summary = f"server {request.vmid} already belongs to {request.account}"
        else:
            summary = (
                f"server {request.vmid} now belongs to {request.account} (was {was or _NOBODY})"
            )
        return StepResult(
            summary=summary,
            context={
                **context,
                "node": node,
                "owner": request.account,
                "previous_owner": was,
                "name": before.name or "",
            },
        )

    def retagged(self, tags: list[str], account: str) -> list[str]:
        """The tags with every owner tag replaced by the one for ``account``, order kept."""
        prefix = self.config.owner_tag_prefix
        kept = [t for t in tags if not (t.startswith(prefix) and len(t) > len(prefix))]
        owner_tag = self.config.owner_tag(account)
        first_owner = next(
            (i for i, t in enumerate(tags) if t.startswith(prefix) and len(t) > len(prefix)),
            len(tags),
        )
        position = len([t for t in tags[:first_owner] if t in kept])
        return [*kept[:position], owner_tag, *kept[position:]]

    @staticmethod
    def _refuse_template(config: VmConfig, vmid: int) -> None:
        if config.template:
            raise ActionError(f"server {vmid} is a template; templates belong to no account")
