"""Worker settings (``JOTUNHEIM_WORKER_*``): queues, tracking, retries, locks, the notifier
and the Actions configuration. Only ``jotunheim worker`` and ``jotunheim queue`` load them."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from actions.config import ActionsConfig
from bot.settings import env_config
from jobs.config import JobSettings


class WorkerSettings(BaseSettings):
    model_config = env_config("JOTUNHEIM_WORKER_")

    key_prefix: str = Field(default="jh", pattern=r"^[A-Za-z0-9_-]+$")
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
    notifier: str = Field(default="log", description="log | console | module:factory")
    owner_tag_prefix: str = "owner-"
    clone_storage: str = "local-lvm"
    backup_storage: str = "backup"
    default_template: str = "debian-12"
    templates: tuple[str, ...] = ()

    def jobs(self) -> JobSettings:
        return JobSettings(
            prefix=self.key_prefix,
            tracking_intervals=self.tracking_intervals,
            tracking_deadline=self.tracking_deadline,
            retry_intervals=self.retry_intervals,
            retry_cap=self.retry_cap,
            abandoned_retries=self.abandoned_retries,
            lock_ttl=self.lock_ttl,
            inventory_interval=self.inventory_interval,
            job_timeout=self.job_timeout,
        )

    def actions(self) -> ActionsConfig:
        return ActionsConfig(
            owner_tag_prefix=self.owner_tag_prefix,
            clone_storage=self.clone_storage,
            backup_storage=self.backup_storage,
            default_template=self.default_template,
            templates=self.templates,
        )
