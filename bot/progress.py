"""Where jobs stand, from Redis alone: ``/server task <job id>`` and ``/admin queue``.

A job id names a chain (its root job) or one of the jobs it spawned; a job that is still
waiting for a worker has no chain yet, so its request is read from the queued RQ job.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from pydantic import ValidationError

from bot.ports.reply import Reply, Tone
from jobs.chain.wording import duration, label
from jobs.config import JobSettings
from jobs.queue import JobRequest, fetch_job
from jobs.state import stats
from jobs.state.chains import ChainState, StepState, chain_progress

_FAILED_SHOWN = 10


@dataclass(frozen=True)
class Found:
    """A job as the person asked about it: its request, and its chain once it started."""

    job_id: str
    request: JobRequest
    chain: ChainState | None = None
    status: str = "queued"
    error: str = ""


class JobBoard:
    """Read-only views of this deployment's jobs (prefix-scoped), plus retrying one."""

    def __init__(self, client: redis.Redis, *, prefix: str) -> None:
        self._r = client
        self.settings = JobSettings(prefix=prefix)

    def find(self, job_id: str) -> Found | None:
        prefix = self.settings.prefix
        if not job_id.startswith(f"{prefix}-"):
            return None
        chain = chain_progress(self._r, job_id, prefix=prefix)
        if chain is not None:
            return Found(chain.root, chain.request, chain, chain.status)
        job = fetch_job(self._r, job_id)
        if job is None:
            return None
        root = job.meta.get("root")
        if isinstance(root, str) and root != job_id:
            chain = chain_progress(self._r, root, prefix=prefix)
            return Found(root, chain.request, chain, chain.status) if chain else None
        try:
            request = JobRequest.model_validate(job.args[0])
        except (IndexError, TypeError, ValidationError):
            return None  # not a request job (tracking, delivery, inventory sync)
        state = job.get_status(refresh=False)
        status = state.value if state is not None else "queued"
        error = stats.last_error(job) if status == "failed" else ""
        return Found(job_id, request, None, status, error)

    def queue_reply(self) -> Reply:
        rows = stats.counts(self._r, self.settings)
        chains = stats.active_chains(self._r, self.settings)
        failed = stats.failed(self._r, self.settings, _FAILED_SHOWN)
        return queue_reply(rows, chains, failed)

    def retry(self, job_id: str) -> tuple[bool, str]:
        message = stats.retry(self._r, self.settings, job_id)
        return stats.retried(message), message


def job_reply(found: Found, *, now: float) -> Reply:
    request = found.request
    what = f"{_shown_ref(request.ref, found.job_id)} {label(request)}"
    chain = found.chain
    if chain is None:
        outcome = found.status + (f": {found.error}" if found.error else "")
        return Reply(text=f"{what} — {outcome}")
    lines = [step_line(i, len(chain.steps), s) for i, s in enumerate(chain.steps) if not s.skipped]
    lines += [f"⚠ {note}" for note in chain.notes]
    return Reply(
        text=f"{what} — {chain_outcome(chain, now=now)}\n{chain.render()}",
        code="\n".join(lines),
        tone=_TONES[chain.status],
    )


_TONES: dict[str, Tone] = {
    "running": "info",
    "succeeded": "success",
    "failed": "error",
    "unfollowed": "warning",
}


def chain_outcome(chain: ChainState, *, now: float) -> str:
    if chain.status == "running":
        return f"running for {duration(now - chain.started)}"
    took = duration((chain.ended or now) - chain.started)
    if chain.status == "succeeded":
        return f"succeeded in {took}"
    if chain.status == "unfollowed":
        # Proxmox has the answer now; the task id asks it (this view reads only Redis).
        upid = next((s.upid for s in reversed(chain.steps) if s.upid), None)
        live = f"; /server task {upid} asks Proxmox how it stands now" if upid else ""
        return f"its task was still running on Proxmox after {took}, when tracking stopped{live}"
    return f"failed after {took}: {chain.error or 'unknown error'}"


def _shown_ref(ref: str, job_id: str) -> str:
    """A request's ``#reference``; a job that ran no request keeps its id (admins only)."""
    return f"#{ref}" if ref else job_id


def step_line(index: int, total: int, step: StepState) -> str:
    parts = [f"{index + 1}/{total} {step.doing}: {step.state}"]
    # A summary says what the step did ("rebooted"): shown once it is done, not while it runs.
    parts += [step.summary] if step.summary and step.state == "done" else []
    parts += [f"task {step.upid}"] if step.upid else []
    parts += [f"error: {step.error}"] if step.error else []
    return " — ".join(parts)


def queue_reply(
    rows: list[tuple[str, stats.Counts]],
    chains: list[ChainState],
    failed: list[stats.FailedJob],
) -> Reply:
    total = {k: sum(row[k] for _, row in rows) for k in ("queued", "started", "failed")}
    width = max((len(name) for name, _ in rows), default=0)
    lines = [
        f"{name:<{width}}  " + "  ".join(f"{k} {v}" for k, v in row.items()) for name, row in rows
    ]
    if chains:
        lines += ["", "in progress:"]
        lines += [
            f"  {_shown_ref(c.request.ref, c.root)}  {label(c.request)}: {c.render()}"
            for c in chains
        ]
    if failed:
        lines += ["", "failed (retry one: /admin queue retry=#ref):"]
        lines += [f"  {_shown_ref(f.ref, f.id)}  {f.error}" for f in failed]
    text = (
        f"{total['queued']} queued, {total['started']} running, "
        f"{len(chains)} chain(s) in progress, {total['failed']} failed"
    )
    return Reply(text=text, code="\n".join(lines))
