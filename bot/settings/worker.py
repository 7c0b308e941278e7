"""Worker settings (``JOTUNHEIM_WORKER_*``): queues, tracking, retries, locks, the notifier
and the Actions configuration. Only ``jotunheim worker`` and ``jotunheim queue`` load them.

Plan limits and the backup storage are not here: the bot must refuse against the same
values, so both processes read them from ``bot.settings.plan``."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings

from actions.config import ActionsConfig
from bot.settings import env_config
from bot.settings.plan import BackupSettings, PlanSettings
from jobs.config import CLUSTER_LABEL, DEFAULT_CLUSTER, JobSettings


class WorkerSettings(BaseSettings):
    model_config = env_config("JOTUNHEIM_WORKER_")

    # Shared with the bot process (PolicySettings): both must name the same queues and keys,
    # so both read the one variable JOTUNHEIM_REDIS_PREFIX.
    key_prefix: str = Field(
        default="jh",
        pattern=r"^[A-Za-z0-9_.-]{1,32}$",
        validation_alias=AliasChoices("JOTUNHEIM_REDIS_PREFIX"),
    )
    cluster_name: str = Field(
        default=DEFAULT_CLUSTER,
        pattern=f"^{CLUSTER_LABEL}$",
        validation_alias=AliasChoices("JOTUNHEIM_CLUSTER_NAME"),
    )
    tracking_intervals: tuple[int, ...] = (2, 3, 5, 10, 15)
    tracking_deadline: int = Field(default=6 * 3600, ge=1)
    retry_intervals: tuple[int, ...] = (5, 15, 30, 60)
    retry_cap: int = Field(default=5, ge=0)
    abandoned_retries: int = Field(default=1, ge=0)
    lock_ttl: int = Field(default=900, ge=30)
    inventory_interval: int = Field(default=30, ge=5)
    job_timeout: int = Field(default=300, ge=10)
    # How often a worker looks for jobs whose worker died (RQ registry maintenance).
    maintenance_interval: int = Field(default=60, ge=10)
    notifier: str = Field(
        default="log", description="log | console | slack,discord | module:factory"
    )
    owner_tag_prefix: str = Field(
        default="owner-",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,15}$",
        validation_alias=AliasChoices("JOTUNHEIM_OWNER_TAG_PREFIX"),
    )
    clone_storage: str = "local-lvm"
    default_template: str = "debian-12"
    templates: tuple[str, ...] = ()
    shutdown_timeout: int = Field(default=120, ge=1)
    default_ciuser: str = "admin"

    def jobs(self) -> JobSettings:
        return JobSettings(
            prefix=self.key_prefix,
            cluster=self.cluster_name,
            tracking_intervals=self.tracking_intervals,
            tracking_deadline=self.tracking_deadline,
            retry_intervals=self.retry_intervals,
            retry_cap=self.retry_cap,
            abandoned_retries=self.abandoned_retries,
            lock_ttl=self.lock_ttl,
            inventory_interval=self.inventory_interval,
            job_timeout=self.job_timeout,
        )

    def actions(self, plan: PlanSettings, backup: BackupSettings) -> ActionsConfig:
        return ActionsConfig(
            owner_tag_prefix=self.owner_tag_prefix,
            clone_storage=self.clone_storage,
            backup_storage=backup.storage,
            default_template=self.default_template,
            templates=self.templates,
            limits=plan.limits(),
            shutdown_timeout=self.shutdown_timeout,
            default_ciuser=self.default_ciuser,
        )
