"""Handing a job to the queue and answering like a direct command: one way for a typed
command, a confirmed one and an approved request alike."""

from __future__ import annotations

from bot.ports.audit import AuditLog
from bot.ports.invocation import Actor
from bot.ports.reply import Reply
from jobs.queue import JobQueue, JobRequest


class JobSubmitter:
    def __init__(self, queue: JobQueue, audit: AuditLog) -> None:
        self.queue = queue
        self._audit = audit

    def submit(
        self, actor: Actor, request: JobRequest, *, command_text: str, queued: str = ""
    ) -> Reply:
        """Enqueue once per inbound id (a redelivery is told it was queued already) and
        audit it; ``queued`` replaces the default wording for reads."""
        submitted = self.queue.submit(request)
        self._audit.record_committed(
            "job.queued",
            actor=actor.key,
            vmid=request.vmid,
            command=command_text,
            args=request.args,
            approver=request.approved_by,
            job_id=submitted.job_id,
            result="duplicate" if submitted.duplicate else "queued",
        )
        if request.args.get("dry_run"):
            text = f"dry run of {command_text}: the plan will appear here; nothing will be changed"
        elif submitted.duplicate:
            text = f"{command_text} was already queued"
        elif queued:
            text = f"{queued}: the answer will appear here"
        else:
            text = f"{command_text}: queued; the Proxmox task id will appear here"
        return Reply(text=f"{text} (job {submitted.job_id})", tone="success")
