"""Button clicks on pending decisions: Confirm/Cancel of a destructive command by its
requester, and Approve/Deny of a customer's request by an admin.

The stores in ``bot.store.approvals`` make each decision atomic; this module turns a click into
that decision, the job it releases, the audit entries and the messages people see.

Once a decision is stored or a job enqueued, telling people about it and writing its audit
entry are best effort: a failure is logged, and the person still hears what was done, never
"something went wrong" or "nothing was done" about a change that happened.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

import redis

from bot.approval_replies import approval_message
from bot.commands.registry import Parsed
from bot.parser import format_command, shown
from bot.policy import Policy, Refusal
from bot.ports import ButtonClick, ClickResult, ReasonPrompt
from bot.ports.audit import AuditLog
from bot.ports.invocation import Actor, Invocation, shown_person
from bot.ports.notify import BotNotifier, ReplyTarget
from bot.ports.reply import Reply, ReplyField, Tone
from bot.request_cards import RequesterCards, card_key, decided_line
from bot.store.approvals import ApprovalRequest, ApprovalStore, ConfirmationStore
from bot.submit import JobSubmitter
from jobs.chain.wording import duration
from jobs.kinds import heading
from jobs.queue import JobRequest, QueueUnavailable

log = logging.getLogger(__name__)
_MAX_AUDITED = 100  # characters of a clicked action or value kept in the audit entry
MAX_REASON = 300  # characters of a deny reason: a sentence or two, never a pasted log


@dataclass(frozen=True)
class Confirmed:
    """A Confirm click taken: the dispatcher runs ``invocation`` past its confirm step, then
    the confirmation message becomes ``replace_message``."""

    invocation: Invocation
    replace_message: Reply


class Decisions:
    """Button clicks: Confirm/Cancel of a destructive command, Approve/Deny of a request.
    An approved request goes to the queue through ``jobs``, like a typed command."""

    def __init__(
        self,
        approvals: ApprovalStore,
        confirmations: ConfirmationStore,
        policy: Policy,
        audit: AuditLog,
        notifier: BotNotifier,
        jobs: JobSubmitter,
        cards: RequesterCards,
    ) -> None:
        self.approvals = approvals
        self.cards = cards
        self.confirmations = confirmations
        self.policy = policy
        self.audit = audit
        self.notifier = notifier
        self.jobs = jobs

    def request_approval(
        self,
        actor: Actor,
        parsed: Parsed,
        request: JobRequest,
        changes: tuple[str, ...],
        *,
        server: str,
    ) -> Reply:
        now = self.policy.clock.now()
        text = format_command(parsed)
        approval_id = self.approvals.id_for(actor.key, request.inbound_id)
        ref = self.jobs.reference(card_key(approval_id))
        approval = ApprovalRequest(
            id=approval_id,
            job=request,
            ref=ref,
            server=server,
            requester_name=actor.mention,
            command=parsed.command.name,
            text=text,
            summary=f"{actor.mention} ({actor.account}) asks: /server {text}",
            changes=changes,
            created=now,
            expires=now + self.approvals.ttl,
        )
        creation = self.approvals.create(approval)
        if creation.identical is not None:
            raise self._already_waiting(creation.identical)
        if creation.created:  # else a redelivery: admins were asked already
            self._record(
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
                group = self.policy.settings.admin_group(actor.identity.platform)
                card = approval_message(approval).model_copy(update={"mention_group": group})
                self._tell(admins, card)
            self.cards.waiting(approval)
        what = f"{heading(request.kind, request.args)} of {server}"
        return Reply(
            text=f"{what} needs an admin's approval (#{ref}); its card shows how it goes.",
            tone="info",
        )

    def expired(self, request: ApprovalRequest) -> None:
        """Nobody decided in time: the requester's card says so."""
        state = f"⌛ Expired: no admin decided within {self._lifetime()}\nNothing was changed."
        self.cards.closed(request, state, tone="warning")

    def _lifetime(self) -> str:
        return duration(self.approvals.ttl)

    def check_not_waiting(self, request: JobRequest) -> None:
        """Refuse a request identical to one pending approval (``request_approval`` checks
        again, atomically, when it creates the new one). A redelivery of the inbound event
        that created the pending one is no second request: it gets its first answer again."""
        waiting = self.approvals.identical_pending(
            request.account, request.vmid, request.kind, request.args
        )
        own = self.approvals.id_for(request.requested_by, request.inbound_id)
        if waiting is not None and waiting != own:
            raise self._already_waiting(waiting)

    def _already_waiting(self, approval_id: str) -> Refusal:
        """Named by the reference the requester's card shows."""
        found = self.approvals.get(approval_id)
        ref = found.request.ref if found is not None else ""
        named = f"#{ref}" if ref else f"request {approval_id}"
        return Refusal(f"an identical request is already waiting for approval: {named}")

    def click(self, actor: Actor, click: ButtonClick) -> ClickResult | Confirmed:
        if click.action in ("confirm", "cancel"):
            return self._confirmation(actor, click)
        if click.action in ("approve", "deny"):
            return self._decide(actor, click)
        raise Refusal(f"unknown button {click.action!r}")

    def _confirmation(self, actor: Actor, click: ButtonClick) -> ClickResult | Confirmed:
        waiting = self.confirmations.peek(click.value)
        if waiting is None:
            raise Refusal("this confirmation has expired or was already used; nothing was done")
        if waiting.identity != click.identity:
            raise Refusal("only the person who asked can confirm or cancel this")
        if self.confirmations.take(click.value) is None:
            raise Refusal("this confirmation was already used")
        command = f"/{waiting.scope} {waiting.text}"
        if click.action == "cancel":
            self._record("refused", actor=actor.key, command=command, result="cancelled")
            done = Reply(text=f"cancelled: {command}; nothing was done")
            return ClickResult(to_clicker=done, replace_message=done)
        self._record("confirmed", actor=actor.key, command=command)
        return Confirmed(waiting, Reply(text=f"confirmed by {actor.mention}: {command}"))

    def _decide(self, actor: Actor, click: ButtonClick) -> ClickResult:
        if not actor.is_admin:
            raise Refusal("only admins can decide approval requests")
        found = self.approvals.get(click.value)
        if found is None:
            raise Refusal(f"no approval request {click.value}")
        request = found.request
        if request.job.requested_by == actor.key:
            raise Refusal("you cannot decide your own request")
        decision: Literal["approved", "denied"] = (
            "approved" if click.action == "approve" else "denied"
        )
        reason = (click.reason or "").strip()[:MAX_REASON]
        if decision == "denied" and not reason:
            return self._ask_why(click, request, found.status)
        outcome = self.approvals.decide(request.id, decision, actor.key, reason)
        if outcome == "expired":
            self._record(
                "approval.expired",
                actor=request.job.requested_by,
                vmid=request.job.vmid,
                command=request.text,
                result=request.id,
            )
            self.expired(request)
            raise Refusal(f"request {request.id} has expired; nothing was done")
        if outcome != "won":
            raise self._already(request.id, outcome)
        event = f"approval.{decision}"
        self._record(
            event,
            actor=request.job.requested_by,
            vmid=request.job.vmid,
            command=request.text,
            approver=actor.key,
            result=reason or decision,
        )
        if decision == "denied":
            return self._denied(actor, request, reason)
        return self._approved(actor, request)

    def _ask_why(self, click: ButtonClick, request: ApprovalRequest, status: str) -> ClickResult:
        """A denial says why: the requester reads it on their card. Nothing is decided until
        the reason comes back with the same click; one already decided is refused now, so
        nobody writes a reason for nothing."""
        if status != "pending":
            raise self._already(request.id, status)
        if request.expires <= self.policy.clock.now():
            raise Refusal(f"request {request.id} has expired; nothing was done")
        prompt = ReasonPrompt(
            title="Deny request",
            label="Why? The requester reads this",
            placeholder=f"e.g. {request.command} is outside the plan; ask us about an upgrade",
            max_length=MAX_REASON,
            action=click.action,
            value=click.value,
        )
        asked = Reply(text=f"Denying request {request.id}: say why (deny {request.id} <reason>)")
        return ClickResult(to_clicker=asked, ask_reason=prompt)

    def _already(self, approval_id: str, outcome: str) -> Refusal:
        current = self.approvals.get(approval_id)
        by = shown_person(current.decided_by) if current and current.decided_by else ""
        return Refusal(f"request {approval_id} was already {outcome}" + (f" by {by}" * bool(by)))

    def _approved(self, actor: Actor, request: ApprovalRequest) -> ClickResult:
        job = request.job.model_copy(
            update={"inbound_id": f"approval:{request.id}", "approved_by": actor.key}
        )
        try:
            ref, _ = self.jobs.enqueue(actor, job, command_text=request.text)
        except (QueueUnavailable, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            self.approvals.reopen(request.id, actor.key)
            raise
        # The requester's card is the worker's from here: its first edit names the approver.
        decided = self._decided(request, f"Approved by {actor.mention}", "success")
        queued = Reply(text=f"Approved: queued as #{ref} for {request.requester_name}")
        return ClickResult(to_clicker=queued, replace_message=decided)

    def _denied(self, actor: Actor, request: ApprovalRequest, reason: str) -> ClickResult:
        now = self.policy.clock.now()
        verdict = decided_line("✗ Denied", actor.mention, now, reason)
        self.cards.closed(request, verdict, tone="warning")
        decided = self._decided(request, f"Denied by {actor.mention}", "warning", reason)
        return ClickResult(
            to_clicker=Reply(text=f"denied request {request.id}"), replace_message=decided
        )

    def _decided(
        self, request: ApprovalRequest, verdict: str, tone: Tone, reason: str = ""
    ) -> Reply:
        """The approval card after the decision: what was asked and the requested change
        stay readable, with who decided, when and why; the buttons are gone."""
        when = time.strftime("%H:%M UTC", time.gmtime(self.policy.clock.now()))
        fields = tuple(ReplyField(label="change", value=c) for c in request.changes)
        why = f"\nReason: {reason}" if reason else ""
        return Reply(
            text=f"{verdict} at {when}: {request.summary}{why}",
            fields=fields,
            tone=tone,
            ephemeral=False,
        )

    def _record(self, event: str, *, actor: str, **fields: Any) -> None:
        self.audit.record_committed(event, actor=actor, **fields)

    def _tell(self, target: ReplyTarget, reply: Reply) -> None:
        """Post after the state changed: a failure is logged, the caller's answer stands."""
        try:
            self.notifier.post(target, reply)
        except Exception:  # any notifier, any transport: the decision is already committed
            log.exception("could not post a decision notice to %s", target.channel)


def refused_click(click: ButtonClick) -> dict[str, Any]:
    """The audit fields of a refused click: what was clicked, wherever it came from (values
    may be tampered with, so they are quoted and cut short)."""
    return {
        "command": f"button {shown(click.action)} {shown(click.value)}",
        "args": {"action": click.action[:_MAX_AUDITED], "value": click.value[:_MAX_AUDITED]},
        "where": f"{click.identity.platform}:{click.channel}",
    }
