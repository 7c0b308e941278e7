"""Who may do what, and how often (``JOTUNHEIM_*``): read by the bot process only.

Lists are comma-separated in the environment: ``JOTUNHEIM_ADMINS_SLACK=U024BE7LH,U0G9QF9C6``.
Admin rights come only from these ids and roles, never from a platform's own permissions.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode

from bot.ports.invocation import Identity, Platform
from bot.settings import env_config
from jobs.config import CLUSTER_LABEL, DEFAULT_CLUSTER


def _split(value: object) -> object:
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(",") if part.strip())
    return value


IdList = Annotated[frozenset[str], NoDecode, BeforeValidator(_split)]


class PolicySettings(BaseSettings):
    model_config = env_config("JOTUNHEIM_")

    admins_slack: IdList = Field(default=frozenset(), description="Slack user ids (U…)")
    admins_discord: IdList = Field(default=frozenset(), description="Discord user ids")
    admins_console: IdList = Field(default=frozenset(), description="console user names")
    admin_roles_discord: IdList = Field(default=frozenset(), description="Discord role ids")
    admin_channel_slack: str = Field(default="", description="channel id for approval requests")
    admin_channel_discord: str = Field(default="", description="channel id for approvals")
    admin_channel_console: str = "admins"
    # Who is mentioned when an approval request arrives (notified, not only shown).
    admin_group_slack: str = Field(
        default="", pattern=r"^(S[A-Z0-9]{2,20})?$", description="Slack user group id (S…)"
    )
    admin_role_discord: str = Field(
        default="", pattern=r"^([0-9]{1,25})?$", description="Discord role id to mention"
    )
    owner_tag_prefix: str = Field(default="owner-", pattern=r"^[a-z0-9][a-z0-9_-]{0,15}$")
    rate_limit_per_minute: int = Field(default=20, ge=1, le=10_000)
    rate_limit_per_account_per_minute: int = Field(default=40, ge=1, le=10_000)
    approval_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    invite_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    confirm_ttl_seconds: int = Field(default=300, ge=10)
    approval_commands: IdList | None = Field(
        default=None,
        description="client commands needing approval, e.g. 'resize,rebuild,backup restore'; "
        "unset: the registry's defaults (resize, rebuild, backup restore)",
    )
    audit_maxlen: int | None = Field(default=None, ge=1000, description="unset: keep everything")
    redis_prefix: str = Field(default="jh", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    # Shared with the workers (WorkerSettings): it names the cluster in server references
    # (``default/101``) and in every per-server Redis key.
    cluster_name: str = Field(default=DEFAULT_CLUSTER, pattern=f"^{CLUSTER_LABEL}$")

    def is_admin(self, identity: Identity, roles: frozenset[str] = frozenset()) -> bool:
        ids = {
            "slack": self.admins_slack,
            "discord": self.admins_discord,
            "console": self.admins_console,
        }[identity.platform]
        if identity.user in ids:
            return True
        return identity.platform == "discord" and bool(roles & self.admin_roles_discord)

    def admin_group(self, platform: Platform) -> str | None:
        group = {"slack": self.admin_group_slack, "discord": self.admin_role_discord}
        return group.get(platform) or None

    def admin_channel(self, platform: Platform) -> str:
        return {
            "slack": self.admin_channel_slack,
            "discord": self.admin_channel_discord,
            "console": self.admin_channel_console,
        }[platform]
