"""The audit trail: one Redis Stream entry per invocation, refusal, confirmation, approval
decision, job start and job outcome.

Leaf module (redis + pydantic only) so that workers record job starts and outcomes in the
same stream as the bot. Arguments are redacted before they are written; nothing is trimmed
unless a retention (``maxlen``) is configured.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import redis
from pydantic import BaseModel, ConfigDict

from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.codec import decoded

log = logging.getLogger("jotunheim.audit")
SECRET_ARG_NAMES = frozenset({"password", "cipassword", "token", "secret", "sshkeys"})
REDACTED = "[redacted]"


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str = ""
    ts: float
    event: str
    actor: str
    vmid: int | None = None
    command: str = ""
    args: dict[str, str] = {}
    approver: str | None = None
    job_id: str | None = None
    upid: str | None = None
    result: str = ""
    where: str = ""


def redact(args: Mapping[str, Any]) -> dict[str, str]:
    return {k: REDACTED if k.lower() in SECRET_ARG_NAMES else str(v) for k, v in args.items()}


class AuditLog:
    """The capped audit stream: who asked what, what was decided and done, and why not."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = "jh",
        maxlen: int | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._r = client
        self._key = f"{prefix}:audit"
        self._maxlen = maxlen
        self._clock = clock

    def record(
        self,
        event: str,
        *,
        actor: str,
        vmid: int | None = None,
        command: str = "",
        args: Mapping[str, Any] | None = None,
        approver: str | None = None,
        job_id: str | None = None,
        upid: str | None = None,
        result: str = "",
        where: str = "",
    ) -> str:
        entry = AuditEntry(
            ts=self._clock.now(),
            event=event,
            actor=actor,
            vmid=vmid,
            command=command,
            args=redact(args or {}),
            approver=approver,
            job_id=job_id,
            upid=upid,
            result=result,
            where=where,
        )
        fields: dict[str | bytes, str | bytes] = {"entry": entry.model_dump_json(exclude={"id"})}
        entry_id = self._r.xadd(self._key, fields, maxlen=self._maxlen, approximate=True)  # type: ignore[arg-type]
        return decoded(entry_id)

    def record_committed(self, event: str, *, actor: str, **fields: Any) -> None:
        """The entry of something already done (queued, decided, consumed): if the audit
        log fails now, the reply must still say what happened, so the failure is logged."""
        try:
            self.record(event, actor=actor, **fields)
        except Exception:  # Redis or anything else: the change it describes is committed
            log.exception("audit entry %s for %s was not recorded", event, actor)

    def recent(
        self, *, vmid: int | None = None, actor: str | None = None, limit: int = 20
    ) -> list[AuditEntry]:
        """Newest first, filtered by server or by actor (scans at most 50x ``limit``)."""
        found: list[AuditEntry] = []
        for raw_id, fields in self._r.xrevrange(self._key, count=limit * 50) or []:
            if not fields:
                continue
            raw = fields.get(b"entry") or fields.get("entry") or "{}"
            entry = AuditEntry.model_validate_json(raw).model_copy(update={"id": decoded(raw_id)})
            if (vmid is None or entry.vmid == vmid) and (actor is None or entry.actor == actor):
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    def count(self) -> int:
        return int(self._r.xlen(self._key))
