"""How the command layer hands work to the workers: a ``JobRequest`` in, ``Submitted`` out.

The command layer (bot/commands, bot/dispatch) depends only on the ``JobQueue`` protocol;
``jobs.queue.RqJobQueue`` implements it on RQ with the JSON serializer. A request carries the
validated arguments as JSON and the ``ReplyTarget`` — ids only, never a secret.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from bot.notify import ReplyTarget


class JobRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str = Field(description="catalog name, e.g. 'server.resize', 'backup.create'")
    vmid: int | None = Field(default=None, description="the server it mutates (busy lock)")
    args: dict[str, Any] = Field(default_factory=dict, description="validated, JSON-only")
    target: ReplyTarget
    requested_by: str = Field(description="Identity.key of the requester")
    inbound_id: str = Field(description="platform delivery id; the job id derives from it")
    approved_by: str | None = None
    account: str | None = Field(default=None, description="customer account (ownership)")


class Submitted(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: str
    duplicate: bool = Field(description="True when this inbound id was already enqueued")


class JobQueue(Protocol):
    def submit(self, request: JobRequest) -> Submitted:
        """Enqueue once per inbound id; raises ``QueueUnavailable`` when Redis is down."""
        ...


class QueueUnavailable(RuntimeError):
    """Redis could not be reached: nothing was enqueued."""
