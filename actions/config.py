"""What the Actions layer is configured with (built by the composition root, never here).

``ActionsConfig`` is plain data: the worker's settings map environment variables onto it.
Templates are configured by *name*; ``resolve_template`` finds the template VM of that name
in the cluster at run time, so re-creating a template under a new VMID needs no config change.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from actions.base import ActionError
from proxmox.models import ClusterResource

_ACCOUNT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


class Limits(BaseModel):
    """Per-plan ceilings for what a resize or build may ask for."""

    model_config = ConfigDict(frozen=True)

    max_cores: int = Field(default=16, ge=1)
    max_memory_mib: int = Field(default=65536, ge=128)
    max_disk_gib: int = Field(default=1024, ge=1)


class ActionsConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    owner_tag_prefix: str = "owner-"
    clone_storage: str = "local-lvm"
    backup_storage: str = "backup"
    limits: Limits = Field(default_factory=Limits)
    shutdown_timeout: int = Field(default=120, ge=1)
    default_template: str = "debian-12"
    # Template names customers may pick; empty means any template VM in the cluster.
    templates: tuple[str, ...] = ()
    default_ciuser: str = "admin"

    @field_validator("owner_tag_prefix")
    @classmethod
    def _tag_prefix_is_tag_safe(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
            raise ValueError("owner tag prefix must be lowercase letters, digits, - or _")
        return value

    def owner_tag(self, account: str) -> str:
        if not _ACCOUNT.match(account):
            raise ActionError(
                f"account: expected lowercase letters, digits, - or _ (max 32), got {account!r}"
            )
        return f"{self.owner_tag_prefix}{account}"

    def owner_of(self, tags: list[str]) -> str | None:
        """The account an owner tag names, if the VM has one."""
        for tag in tags:
            if tag.startswith(self.owner_tag_prefix) and len(tag) > len(self.owner_tag_prefix):
                return tag[len(self.owner_tag_prefix) :]
        return None


def resolve_template(
    config: ActionsConfig,
    name: str | None,
    resources: list[ClusterResource],
    *,
    prefer_node: str | None = None,
) -> ClusterResource:
    """The template VM called ``name`` (or the default); a clear refusal when there is none."""
    wanted = name or config.default_template
    if config.templates and wanted not in config.templates:
        raise ActionError(
            f"template: {wanted!r} is not offered; choose one of {', '.join(config.templates)}"
        )
    found = [
        r for r in resources if r.type == "qemu" and r.template and r.name == wanted and r.vmid
    ]
    if not found:
        available = sorted({r.name for r in resources if r.template and r.name})
        offer = ", ".join(available) if available else "none"
        raise ActionError(f"template: no template VM named {wanted!r} (available: {offer})")
    # Several nodes may hold a copy of a same-named template: the one on the target node
    # (no cross-node copy needed), else the lowest VMID, stably.
    return min(found, key=lambda r: (r.node != prefer_node, r.vmid or 0))
