"""``/server task <upid>``: one Proxmox task's status and the tail of its log, posted back.

A read-only query that needs Proxmox, so it is a job (the ack path never calls Proxmox).
The command layer checked ownership from the inventory cache; here it is checked again
against live Proxmox: a customer asking about a task on a server their account does not
own (or a task on no server at all) gets the same answer as for a task that does not exist.
"""

from __future__ import annotations

from typing import Any

from actions.vm import find_vm
from bot.ports.reply import Reply, Tone
from jobs.chain.outcome import shown_error
from jobs.chain.report import Reporter, public
from jobs.chain.wording import duration
from jobs.context import WorkerContext, current
from jobs.queue import JobRequest
from proxmox.errors import ProxmoxApiException, ProxmoxNotFound
from proxmox.models import TaskLogLine, TaskStatus
from proxmox.upid import UPID, InvalidUPID

TAIL = 10
_FIRST_PAGE = 500


def task_status(request_data: dict[str, Any]) -> dict[str, Any]:
    ctx = current()
    request = JobRequest.model_validate(request_data)
    text = str(request.args.get("upid", ""))
    reporter = Reporter(ctx)
    not_found = public(f"task {text} not found", tone="warning")
    try:
        upid = UPID.parse(text)
    except InvalidUPID:
        reporter.private(request.target, not_found)
        return {"ok": False, "error": "not a UPID"}
    if request.account is not None and not _owns(ctx, upid, request.account):
        reporter.private(request.target, not_found)
        return {"ok": False, "error": "not found"}
    try:
        task = ctx.proxmox.tasks.status(upid)
        tail = log_tail(ctx, upid)
    except ProxmoxNotFound:
        reporter.private(request.target, not_found)
        return {"ok": False, "error": "not found"}
    except ProxmoxApiException as exc:
        shown = shown_error(exc)
        reporter.private(request.target, Reply(text=f"✗ task {text}: {shown}", tone="error"))
        return {"ok": False, "error": shown}
    reporter.private(request.target, task_reply_text(upid, task, tail, now=ctx.clock.now()))
    return {"ok": True, "status": task.status, "exitstatus": task.exitstatus}


def _owns(ctx: WorkerContext, upid: UPID, account: str) -> bool:
    if upid.vmid is None:
        return False  # node-wide tasks are for admins
    try:
        found = find_vm(ctx.proxmox.cluster, upid.vmid)
    except (ProxmoxApiException, ValueError):
        return False
    return found is not None and ctx.actions_config.owner_of(list(found.tags)) == account


def log_tail(ctx: WorkerContext, upid: UPID) -> list[TaskLogLine]:
    lines, total = ctx.proxmox.tasks.log(upid, start=0, limit=_FIRST_PAGE)
    if total > len(lines):
        lines, _ = ctx.proxmox.tasks.log(upid, start=max(0, total - TAIL), limit=TAIL)
    return lines[-TAIL:]


def task_reply_text(upid: UPID, task: TaskStatus, tail: list[TaskLogLine], *, now: float) -> Reply:
    tone: Tone
    if task.running:
        outcome, tone = f"running for {duration(now - upid.starttime)}", "info"
    elif task.succeeded:
        outcome, tone = task.exitstatus or "OK", "warning" if task.warnings else "success"
    else:
        outcome, tone = f"failed: {task.error}", "error"
    fields = {"Task": str(upid), "Type": upid.type, "Node": upid.node}
    if upid.vmid is not None:
        fields["Server"] = str(upid.vmid)
    reply = public(f"task {upid.type} on {upid.node}: {outcome}", tone=tone, fields=fields)
    if not tail:
        return reply
    return reply.model_copy(update={"code": "\n".join(line.t for line in tail)})
