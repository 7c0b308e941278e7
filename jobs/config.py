"""What the jobs layer is tuned with: plain data, filled from ``WorkerSettings`` by the
worker's composition root (``bot.run.worker``) and by tests, never read from the environment here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Priority = Literal["high", "default", "low"]
PRIORITIES: tuple[Priority, ...] = ("high", "default", "low")
# The Proxmox cluster a deployment serves (one today): a lowercase label that names it in
# server references (``eu1/101``) and in every per-server Redis key.
CLUSTER_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?"
DEFAULT_CLUSTER = "default"


class JobSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    prefix: str = Field(default="jh", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    cluster: str = Field(default=DEFAULT_CLUSTER, pattern=f"^{CLUSTER_LABEL}$")
    # Tracking re-checks a running task after these delays (the last one repeats).
    tracking_intervals: tuple[int, ...] = (2, 3, 5, 10, 15)
    tracking_deadline: int = Field(default=6 * 3600, ge=1)
    # Retryable Proxmox errors (locked, got timeout, unreachable): backoff and cap.
    retry_intervals: tuple[int, ...] = (5, 15, 30, 60)
    retry_cap: int = Field(default=5, ge=0)
    # A job whose worker died is run again this many times before it is reported failed.
    abandoned_retries: int = Field(default=1, ge=0)
    lock_ttl: int = Field(default=900, ge=1)
    inventory_interval: int = Field(default=30, ge=1)
    # The window in which a second submit of the same inbound id is a duplicate.
    dedup_ttl: int = Field(default=86400, ge=60)
    job_timeout: int = Field(default=300, ge=1)
    delivery_intervals: tuple[int, ...] = (5, 15, 60, 300)
    delivery_cap: int = Field(default=6, ge=1)

    def queue_name(self, priority: Priority) -> str:
        return queue_name(self.prefix, priority)

    def queue_names(self) -> list[str]:
        return [self.queue_name(p) for p in PRIORITIES]


def queue_name(prefix: str, priority: Priority) -> str:
    """RQ queue names carry the key prefix so that test runs (and tenants) never mix."""
    return f"{prefix}-{priority}"
