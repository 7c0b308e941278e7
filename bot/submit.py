"""Handing a job to the queue and answering like a direct command: one way for a typed
command, a confirmed one and an approved request alike. The answer names the request by
its short reference (``#k3f9``), never by its job id."""

from __future__ import annotations

from bot.ports.audit import AuditLog
from bot.ports.invocation import Actor
from bot.ports.reply import Reply
from bot.store.refs import RequestRefs
from jobs.kinds import KINDS
from jobs.queue import JobQueue, JobRequest, job_id_for


class JobSubmitter:
    def __init__(self, queue: JobQueue, audit: AuditLog, refs: RequestRefs, *, prefix: str) -> None:
        self.queue = queue
        self._audit = audit
        self.refs = refs
        self._prefix = prefix

    def submit(
        self, actor: Actor, request: JobRequest, *, command_text: str, queued: str = ""
    ) -> Reply:
        """Enqueue and answer the requester; ``queued`` names what a read looks up."""
        ref, duplicate = self.enqueue(actor, request, command_text=command_text)
        kind = KINDS.get(request.kind)
        if duplicate:
            text = f"{command_text} is already queued as #{ref}"
        elif request.args.get("dry_run"):
            text = f"Working out the plan for {command_text} (queued as #{ref}); nothing changes"
        elif kind is not None and not kind.mutating:
            text = f"Looking up {queued or command_text}… (queued as #{ref})"
        else:
            text = f"{command_text} is queued as #{ref}; its card shows how it goes"
        return Reply(text=text, tone="info")

    def reference(self, inbound_id: str) -> str:
        """The reference of the job ``inbound_id`` will become (an approval's, before it is
        decided: the requester's card shows it from the start)."""
        return self.refs.assign(job_id_for(self._prefix, inbound_id))

    def enqueue(self, actor: Actor, request: JobRequest, *, command_text: str) -> tuple[str, bool]:
        """Enqueue once per inbound id and audit it: the request's reference, and whether
        it was queued already (a redelivery)."""
        ref = self.reference(request.inbound_id)
        submitted = self.queue.submit(request.model_copy(update={"ref": ref}))
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
        return ref, submitted.duplicate
