"""Pending decisions: approval requests (an admin decides) and confirmations (the requester
clicks Confirm on a destructive command).

Approvals live in a Redis hash per request: ``record`` (the immutable request, JSON) and
``status``/``decided_by``/``reason``/``decided_at``. The first decision wins inside one Lua
script (two admins clicking at once → one winner, one job). An expired request is marked
``expired``, never deleted by the decision path; records are kept ``ttl + retention``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Literal

import redis
from pydantic import BaseModel, ConfigDict

from bot.audit import AuditLog
from bot.invocation import Invocation
from bot.notify import Notifier, ReplyTarget
from bot.parser import format_command
from bot.policy import Actor, Policy, Refusal
from bot.ports import ButtonClick, ClickResult
from bot.registry import Parsed
from bot.reply import Button, Reply, ReplyField
from jobs.api import JobRequest, QueueUnavailable

Status = Literal["pending", "approved", "denied", "expired"]
Outcome = Literal["won", "expired", "missing", "approved", "denied"]
_RETENTION = 30 * 86400

_DECIDE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'pending' then return status end
if tonumber(ARGV[1]) >= tonumber(redis.call('HGET', KEYS[1], 'expires')) then
  redis.call('HSET', KEYS[1], 'status', 'expired')
  redis.call('ZREM', KEYS[2], ARGV[5])
  return 'expired'
end
if ARGV[2] == 'expired' then return 'pending' end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'decided_by', ARGV[3], 'reason', ARGV[4],
           'decided_at', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[5])
return 'won'
"""

_REOPEN = """
if redis.call('HGET', KEYS[1], 'status') == 'approved'
   and redis.call('HGET', KEYS[1], 'decided_by') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'status', 'pending', 'decided_by', '', 'decided_at', '')
  redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'expires'), ARGV[2])
  return 1
end
return 0
"""


class ApprovalRequest(BaseModel):
    """What was asked, by whom, and what the cache knows; never a secret."""

    model_config = ConfigDict(frozen=True)

    id: str
    requester: str  # Identity.key
    requester_name: str
    account: str | None
    target: ReplyTarget
    command: str  # "resize"
    text: str  # canonical text form
    kind: str
    vmid: int | None
    args: dict[str, object]
    summary: str
    changes: tuple[str, ...] = ()
    created: float
    expires: float


class Approval(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: ApprovalRequest
    status: Status
    decided_by: str = ""
    reason: str = ""
    decided_at: float | None = None


class ApprovalStore:
    def __init__(self, client: redis.Redis, *, prefix: str = "jh", ttl: int = 86400) -> None:
        self._r = client
        self._p = prefix
        self.ttl = ttl
        self._decide = client.register_script(_DECIDE)
        self._reopen = client.register_script(_REOPEN)

    def create(self, request: ApprovalRequest) -> None:
        key = self._key(request.id)
        pipe = self._r.pipeline(transaction=True)
        pipe.hset(key, mapping={"record": request.model_dump_json(), "status": "pending"})
        pipe.hset(key, "expires", repr(request.expires))
        pipe.expire(key, self.ttl + _RETENTION)
        pipe.zadd(self._pending_key, {request.id: request.expires})
        pipe.execute()

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(4)

    def get(self, approval_id: str) -> Approval | None:
        raw = self._r.hgetall(self._key(approval_id))
        if not raw:
            return None
        fields = {_text(k): _text(v) for k, v in raw.items()}
        return Approval(
            request=ApprovalRequest.model_validate_json(fields["record"]),
            status=fields["status"],
            decided_by=fields.get("decided_by", ""),
            reason=fields.get("reason", ""),
            decided_at=float(fields["decided_at"]) if fields.get("decided_at") else None,
        )

    def decide(
        self, approval_id: str, decision: Literal["approved", "denied"], by: str, reason: str = ""
    ) -> Outcome:
        """``won``: this call decided it. Otherwise the status it already had (``expired``
        also when it expired just now and was marked so by this call)."""
        result = self._decide(
            keys=[self._key(approval_id), self._pending_key],
            args=[repr(time.time()), decision, by, reason, approval_id],
        )
        return _text(result)  # type: ignore[return-value]

    def reopen(self, approval_id: str, decided_by: str) -> bool:
        """Undo an approval whose job could not be enqueued (Redis hiccup): no half state."""
        keys = [self._key(approval_id), self._pending_key]
        return bool(self._reopen(keys=keys, args=[decided_by, approval_id]))

    def expire_due(self) -> list[str]:
        """Mark every pending request past its expiry as expired; returns their ids."""
        now = time.time()
        due = [_text(i) for i in self._r.zrangebyscore(self._pending_key, "-inf", now)]
        expired = []
        for approval_id in due:
            keys = [self._key(approval_id), self._pending_key]
            if (
                _text(self._decide(keys=keys, args=[repr(now), "expired", "", "", approval_id]))
                == "expired"
            ):
                expired.append(approval_id)
        return expired

    def pending(self) -> list[Approval]:
        ids = [_text(i) for i in self._r.zrange(self._pending_key, 0, -1)]
        found = [self.get(i) for i in ids]
        return [a for a in found if a is not None and a.status == "pending"]

    @property
    def _pending_key(self) -> str:
        return f"{self._p}:approvals:pending"

    def _key(self, approval_id: str) -> str:
        return f"{self._p}:approval:{approval_id}"


class ConfirmationStore:
    """A destructive command waiting for its requester's Confirm click; used at most once."""

    def __init__(self, client: redis.Redis, *, prefix: str = "jh", ttl: int = 300) -> None:
        self._r = client
        self._p = prefix
        self.ttl = ttl

    def create(self, invocation: Invocation) -> str:
        confirmation_id = secrets.token_hex(6)
        self._r.set(self._key(confirmation_id), invocation.model_dump_json(), ex=self.ttl)
        return confirmation_id

    def peek(self, confirmation_id: str) -> Invocation | None:
        raw = self._r.get(self._key(confirmation_id))
        return Invocation.model_validate_json(raw) if raw else None

    def take(self, confirmation_id: str) -> Invocation | None:
        raw = self._r.getdel(self._key(confirmation_id))
        return Invocation.model_validate_json(raw) if raw else None

    def _key(self, confirmation_id: str) -> str:
        return f"{self._p}:confirm:{confirmation_id}"


class Decisions:
    """Button clicks: Confirm/Cancel of a destructive command, Approve/Deny of a request.

    ``rerun`` runs a confirmed invocation past its confirm step; ``submit`` enqueues a job
    and answers like a direct command would (both are the dispatcher's).
    """

    def __init__(
        self,
        approvals: ApprovalStore,
        confirmations: ConfirmationStore,
        policy: Policy,
        audit: AuditLog,
        notifier: Notifier,
        *,
        rerun: Callable[[Invocation], Reply],
        submit: Callable[[Actor, JobRequest, str], Reply],
    ) -> None:
        self.approvals = approvals
        self.confirmations = confirmations
        self.policy = policy
        self.audit = audit
        self.notifier = notifier
        self._rerun = rerun
        self._submit = submit

    def request_approval(
        self, actor: Actor, parsed: Parsed, request: JobRequest, changes: tuple[str, ...]
    ) -> Reply:
        now = time.time()
        text = format_command(parsed)
        approval = ApprovalRequest(
            id=ApprovalStore.new_id(),
            requester=actor.key,
            requester_name=actor.mention,
            account=actor.account,
            target=request.target,
            command=parsed.command.name,
            text=text,
            kind=request.kind,
            vmid=request.vmid,
            args=request.args,
            summary=f"{actor.mention} ({actor.account}) asks: /server {text}",
            changes=changes,
            created=now,
            expires=now + self.approvals.ttl,
        )
        self.approvals.create(approval)
        self.audit.record(
            "approval.requested",
            actor=actor.key,
            vmid=request.vmid,
            command=text,
            args=request.args,
            result=approval.id,
        )
        channel = self.policy.settings.admin_channel(actor.identity.platform)
        if channel:
            admins = request.target.model_copy(update={"channel": channel, "thread": None})
            self.notifier.post(admins, approval_message(approval))
        hours = round(self.approvals.ttl / 3600)
        return Reply(
            text=f"{parsed.command.name} of server {request.vmid} needs an admin's approval: "
            f"request {approval.id} sent (expires in {hours} h). You will be told here.",
            tone="info",
        )

    def click(self, click: ButtonClick) -> ClickResult:
        actor = self.policy.actor(click.identity, click.display_name, click.roles)
        if click.action in ("confirm", "cancel"):
            return self._confirmation(actor, click)
        if click.action in ("approve", "deny"):
            return self._decide(actor, click)
        raise Refusal(f"unknown button {click.action!r}")

    def _confirmation(self, actor: Actor, click: ButtonClick) -> ClickResult:
        waiting = self.confirmations.peek(click.value)
        if waiting is None:
            raise Refusal("this confirmation has expired or was already used; nothing was done")
        if waiting.identity != click.identity:
            raise Refusal("only the person who asked can confirm or cancel this")
        if self.confirmations.take(click.value) is None:
            raise Refusal("this confirmation was already used")
        command = f"/{waiting.scope} {waiting.text}"
        if click.action == "cancel":
            self.audit.record("refused", actor=actor.key, command=command, result="cancelled")
            done = Reply(text=f"cancelled: {command}; nothing was done")
            return ClickResult(to_clicker=done, replace_message=done)
        self.audit.record("confirmed", actor=actor.key, command=command)
        reply = self._rerun(waiting)
        return ClickResult(
            to_clicker=reply, replace_message=Reply(text=f"confirmed by {actor.mention}: {command}")
        )

    def _decide(self, actor: Actor, click: ButtonClick) -> ClickResult:
        if not actor.is_admin:
            raise Refusal("only admins can decide approval requests")
        found = self.approvals.get(click.value)
        if found is None:
            raise Refusal(f"no approval request {click.value}")
        request = found.request
        if request.requester == actor.key:
            raise Refusal("you cannot decide your own request")
        decision: Literal["approved", "denied"] = (
            "approved" if click.action == "approve" else "denied"
        )
        reason = (click.reason or "").strip()[:300]
        outcome = self.approvals.decide(request.id, decision, actor.key, reason)
        if outcome == "expired":
            self.audit.record(
                "approval.expired",
                actor=request.requester,
                vmid=request.vmid,
                command=request.text,
                result=request.id,
            )
            raise Refusal(f"request {request.id} has expired; nothing was done")
        if outcome != "won":
            current = self.approvals.get(request.id)
            by = current.decided_by if current else ""
            raise Refusal(
                f"request {request.id} was already {outcome}" + (f" by {by}" if by else "")
            )
        event = f"approval.{decision}"
        self.audit.record(
            event,
            actor=request.requester,
            vmid=request.vmid,
            command=request.text,
            approver=actor.key,
            result=reason or decision,
        )
        if decision == "denied":
            return self._denied(actor, request, reason)
        return self._approved(actor, request)

    def _approved(self, actor: Actor, request: ApprovalRequest) -> ClickResult:
        job = JobRequest(
            kind=request.kind,
            vmid=request.vmid,
            args=request.args,
            target=request.target,
            requested_by=request.requester,
            inbound_id=f"approval:{request.id}",
            approved_by=actor.key,
            account=request.account,
        )
        try:
            queued = self._submit(actor, job, request.text)
        except (QueueUnavailable, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            self.approvals.reopen(request.id, actor.key)
            raise
        self.notifier.post(
            request.target,
            Reply(
                text=f"{_asked(request)} was approved by {actor.mention}. {queued.text}",
                ephemeral=False,
                tone="success",
            ),
        )
        decided = Reply(text=f"Approved by {actor.mention}: {request.summary}", tone="success")
        return ClickResult(to_clicker=queued, replace_message=decided)

    def _denied(self, actor: Actor, request: ApprovalRequest, reason: str) -> ClickResult:
        because = f": {reason}" if reason else ""
        self.notifier.post(
            request.target,
            Reply(
                text=f"{_asked(request)} was denied by {actor.mention}{because}. Nothing was done.",
                ephemeral=False,
                tone="warning",
            ),
        )
        decided = Reply(
            text=f"Denied by {actor.mention}{because}: {request.summary}", tone="warning"
        )
        return ClickResult(
            to_clicker=Reply(text=f"denied request {request.id}"), replace_message=decided
        )


def _asked(request: ApprovalRequest) -> str:
    return f"{request.requester_name}: your request {request.id} (/server {request.text})"


def approval_message(approval: ApprovalRequest) -> Reply:
    """What admins see: who asked what, the cache's current → requested values, buttons."""
    fields = tuple(ReplyField(label="change", value=c) for c in approval.changes)
    return Reply(
        text=f"Approval request {approval.id}: {approval.summary}",
        fields=fields,
        buttons=(
            Button(action="approve", value=approval.id, label="Approve", style="primary"),
            Button(action="deny", value=approval.id, label="Deny", style="danger"),
        ),
        ephemeral=False,
    )


def pending_reply(approvals: list[Approval]) -> Reply:
    if not approvals:
        return Reply(text="no pending approval requests")
    now = time.time()
    lines = [
        f"{a.request.id}: {a.request.summary} (expires in {int(a.request.expires - now) // 60} min)"
        for a in approvals
    ]
    return Reply(text=f"{len(approvals)} pending approval request(s)", code="\n".join(lines))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
