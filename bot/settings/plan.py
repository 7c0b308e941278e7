"""What a customer's plan allows (``JOTUNHEIM_PLAN_*``) and where backups live
(``JOTUNHEIM_BACKUP_STORAGE``): read by the bot *and* the worker from the same variables,
so the ack path refuses exactly what the worker would refuse, never a different number.

Both used to be worker-only settings (``JOTUNHEIM_WORKER_MAX_CORES``, ``_MAX_MEMORY_MIB``,
``_MAX_DISK_GIB``, ``_BACKUP_STORAGE``). Those names are still read, below the new ones, and
each one found logs a one-line deprecation warning naming its replacement (names only: a
value is never logged).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
)

from actions.config import Limits
from bot.settings import env_config

log = logging.getLogger(__name__)


class RenamedVariables(PydanticBaseSettingsSource):
    """Values under a setting's former variable names (``{old name: field}``), read from the
    process environment and the dotenv file; ranked below every current name."""

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        renamed: Mapping[str, str],
        sources: tuple[PydanticBaseSettingsSource, ...],
    ) -> None:
        super().__init__(settings_cls)
        self._renamed = renamed
        # Only env-style sources hold variables by name (the dotenv source is one too).
        self._sources = [s for s in sources if isinstance(s, EnvSettingsSource)]

    def get_field_value(  # the abstract method's signature; __call__ answers for all fields
        self,
        field: FieldInfo,  # noqa: ARG002
        field_name: str,
    ) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        prefix = str(self.settings_cls.model_config.get("env_prefix") or "")
        found: dict[str, Any] = {}
        for old, field in self._renamed.items():
            value = self._lookup(old)
            if value is None:
                continue
            new = (prefix + field).upper()
            if self._lookup(new) is not None:
                log.warning("%s is deprecated and ignored: %s is set", old, new)
            else:
                log.warning("%s is deprecated: rename it %s", old, new)
            found[field] = value
        return found

    def _lookup(self, variable: str) -> str | None:
        for source in self._sources:
            value = source.env_vars.get(variable.lower())
            if value is not None:
                return value
        return None


class WithRenamedVariables(BaseSettings):
    """Settings whose variables had other names: ``RENAMED`` (old name → field) are still
    read, after the new names, each with a one-line warning."""

    RENAMED: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        legacy = RenamedVariables(settings_cls, cls.RENAMED, (env_settings, dotenv_settings))
        return init_settings, env_settings, dotenv_settings, legacy, file_secret_settings


class PlanSettings(WithRenamedVariables):
    """Per-plan ceilings of a resize or build (today one plan for every account)."""

    model_config = env_config("JOTUNHEIM_PLAN_")

    max_cores: int = Field(default=16, ge=1, description="CPU cores a server may have")
    max_memory_mib: int = Field(default=65536, ge=128, description="memory in MiB")
    max_disk_gib: int = Field(default=1024, ge=1, description="boot disk size in GiB")

    RENAMED: ClassVar[Mapping[str, str]] = {
        "JOTUNHEIM_WORKER_MAX_CORES": "max_cores",
        "JOTUNHEIM_WORKER_MAX_MEMORY_MIB": "max_memory_mib",
        "JOTUNHEIM_WORKER_MAX_DISK_GIB": "max_disk_gib",
    }

    def limits(self) -> Limits:
        """The same ceilings as the Actions layer takes them."""
        return Limits(
            max_cores=self.max_cores,
            max_memory_mib=self.max_memory_mib,
            max_disk_gib=self.max_disk_gib,
        )


class BackupSettings(WithRenamedVariables):
    """The storage backups are written to, and the only one a restore or delete may name."""

    model_config = env_config("JOTUNHEIM_BACKUP_")

    storage: str = Field(
        default="backup", pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", description="a PVE storage id"
    )

    RENAMED: ClassVar[Mapping[str, str]] = {"JOTUNHEIM_WORKER_BACKUP_STORAGE": "storage"}
