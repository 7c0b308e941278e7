"""Node jobs: the inventory sync that keeps the ack path off Proxmox, and node status.

The sync reads ``/cluster/resources?type=vm`` into ``jobs.state.inventory.Inventory`` as one
snapshot: VMs that moved (migration, HA) follow, VMs deleted outside the bot disappear.
It repeats itself through RQ's ``Repeat`` on its own fixed job id, which every worker
ensures at start, so several workers never run several schedules.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import redis
from rq import Repeat
from rq.job import Job, JobStatus

from actions.sizes import readable_size
from bot.ports.reply import Reply, ReplyField, Tone
from jobs.chain.report import Reporter, public
from jobs.config import JobSettings
from jobs.context import current
from jobs.queue import JobRequest, fetch_job, rq_queue
from jobs.state.inventory import inventory_entry
from proxmox.errors import ProxmoxApiException

log = logging.getLogger(__name__)
_LIVE = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.STARTED, JobStatus.DEFERRED}


def sync_inventory(request_data: dict[str, Any] | None = None) -> dict[str, Any]:
    """One snapshot of the cluster's VMs into the cache. Never raises on a Proxmox error
    (the schedule must go on); the cache then simply stays as it was. Run for ``/admin
    sync`` (with the request), it also tells the admin what it found."""
    ctx = current()
    try:
        resources = ctx.proxmox.cluster.resources("vm")
    except ProxmoxApiException as exc:
        log.warning("inventory sync skipped: %s", exc)
        _tell(request_data, f"✗ sync: Proxmox did not answer: {exc.message}", "error")
        return {"synced": False, "error": exc.message}
    entries = [e for r in resources if (e := inventory_entry(r, ctx.actions_config))]
    ctx.inventory().replace_all(entries, now=ctx.clock.now())
    servers = sum(1 for e in entries if not e.template)
    _tell(request_data, f"✓ sync: the inventory now lists {servers} server(s)", "success")
    return {"synced": True, "vms": len(entries)}


def _tell(request_data: dict[str, Any] | None, text: str, tone: Tone) -> None:
    if request_data is not None:
        request = JobRequest.model_validate(request_data)
        Reporter(current()).post(request.target, public(text, tone=tone))


def inventory_job_id(prefix: str) -> str:
    return f"{prefix}-inventory-sync"


def schedule_inventory_sync(client: redis.Redis, settings: JobSettings) -> Job:
    """Make sure the repeating sync exists (idempotent; run at every worker start)."""
    job_id = inventory_job_id(settings.prefix)
    existing = fetch_job(client, job_id)
    if existing is not None and existing.get_status() in _LIVE:
        return existing
    if existing is not None:
        existing.delete()
    return rq_queue(client, settings, "low").enqueue_in(
        timedelta(seconds=0 if existing is None else settings.inventory_interval),
        "jobs.node.sync_inventory",
        job_id=job_id,
        repeat=Repeat(times=1_000_000_000, interval=settings.inventory_interval),
        result_ttl=settings.inventory_interval * 4,
        description="inventory sync",
    )


def node_status(request_data: dict[str, Any]) -> dict[str, Any]:
    """``/admin node list|status``: every node (or the one in ``args.node``) with its load."""
    ctx = current()
    request = JobRequest.model_validate(request_data)
    wanted = request.args.get("node")
    reporter = Reporter(ctx)
    try:
        nodes = ctx.proxmox.cluster.nodes()
    except ProxmoxApiException as exc:
        reporter.private(request.target, Reply(text=f"✗ node status: {exc.message}", tone="error"))
        return {"ok": False, "error": exc.message}
    shown = [n for n in nodes if wanted is None or n.node == wanted]
    if not shown:
        reporter.private(request.target, Reply(text=f"✗ no node named {wanted!r}", tone="error"))
        return {"ok": False, "error": "no such node"}
    fields = tuple(
        ReplyField(
            label=n.node,
            value=(
                f"{n.status}, cpu {n.cpu * 100:.0f}% of {n.maxcpu}, "
                f"memory {readable_size(n.mem)} of {readable_size(n.maxmem)}"
            ),
        )
        for n in sorted(shown, key=lambda n: n.node)
    )
    reply = public(f"{len(shown)} node(s)").model_copy(update={"fields": fields})
    reporter.private(request.target, reply)
    return {"ok": True, "nodes": [n.node for n in shown]}
