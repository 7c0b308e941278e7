"""The neutral command handler (``bot.ports.CommandHandler``): parse, check, then answer from
Redis, ask for a confirmation, store an approval request, or enqueue a job.

Only Redis is touched here (the ack path). User errors (``USER_ERRORS``) are
shown as they are; Redis or queue failures say that nothing was done (so audit entries
written after a job was queued or a decision stored are best effort: they cannot fail it);
anything else is logged with a short reference id that the reply shows instead of the detail.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import redis

from bot import answers, pages
from bot.approval_replies import pending_reply
from bot.clicks import Confirmed, Decisions, refused_click
from bot.commands.registry import Parsed, Registry
from bot.parser import ParseError, format_command, parse
from bot.policy import Policy, Refusal
from bot.ports import PAGE, ButtonClick, Choice, ClickResult
from bot.ports.audit import AuditLog
from bot.ports.invocation import Actor, Identity, Invocation
from bot.ports.notify import BotNotifier
from bot.ports.reply import Button, Reply
from bot.progress import JobBoard, job_reply
from bot.refusals import CertainRefusals
from bot.request_cards import RequesterCards
from bot.requests import job_request
from bot.store.approvals import ApprovalStore, ConfirmationStore
from bot.store.identities import IdentityStore, InvalidCode, identity_command
from bot.submit import JobSubmitter
from jobs.chain.wording import duration
from jobs.queue import QueueUnavailable
from jobs.state.cards import CardRecords
from jobs.state.inventory import Inventory, InventoryEntry
from proxmox.upid import UPID

log = logging.getLogger(__name__)
UNAVAILABLE = "the queue is unavailable, nothing was done"
_MAX_CHOICES = 25
USER_ERRORS = (ParseError, Refusal, InvalidCode)
# Buttons that run a command as if the clicker had typed it (the card offers them).
COMMAND_BUTTONS = {"reboot": "reboot {vm}"}


@dataclass(frozen=True)
class Stores:
    """Everything the handler reads and writes, all on one Redis under one prefix."""

    identities: IdentityStore
    inventory: Inventory
    approvals: ApprovalStore
    confirmations: ConfirmationStore
    audit: AuditLog
    jobs: JobBoard
    cards: CardRecords


def guarded(run: Callable[[], Reply], *, what: str) -> Reply:
    """The two kinds of errors: a person's (shown) and ours (a reference id, logged)."""
    try:
        return run()
    except USER_ERRORS as exc:
        return Reply(text=str(exc), tone="warning")
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, QueueUnavailable):
        log.warning("redis/queue unavailable during %s", what, exc_info=True)
        return Reply(text=UNAVAILABLE, tone="error")
    except Exception:
        ref = secrets.token_hex(4)
        log.exception("unexpected error (ref %s) during %s", ref, what)
        return Reply(text=f"something went wrong on our side (reference {ref})", tone="error")


class Dispatcher:
    def __init__(
        self,
        registry: Registry,
        policy: Policy,
        stores: Stores,
        jobs: JobSubmitter,
        notifier: BotNotifier,
        *,
        refusals: CertainRefusals,
    ) -> None:
        self.registry = registry
        self.policy = policy
        self.refusals = refusals
        self.stores = stores
        self.jobs = jobs
        self.notifier = notifier
        cards = RequesterCards(notifier, stores.cards)
        self.decisions = Decisions(
            stores.approvals, stores.confirmations, policy, stores.audit, notifier, jobs, cards
        )

    # -- CommandHandler --------------------------------------------------------------------
    def handle(self, invocation: Invocation) -> Reply:
        return guarded(lambda: self._handle(invocation, confirmed=False), what="a command")

    def click(self, click: ButtonClick) -> ClickResult:
        if click.action == PAGE:  # a list's other page: its command, typed again
            return pages.turn(click, self.handle)
        if click.action in COMMAND_BUTTONS:
            return ClickResult(to_clicker=self.handle(self._button_command(click)))
        result: list[ClickResult] = []

        def run() -> Reply:
            actor = self.policy.actor(click.identity, click.display_name, click.roles)
            try:
                self.policy.check_rate(actor)  # a click costs what a command does
                outcome = self.decisions.click(actor, click)
            except USER_ERRORS as exc:  # every refused click is audited: who, what and why
                self.audit("refused", actor, **refused_click(click), result=str(exc))
                raise
            if isinstance(outcome, Confirmed):
                outcome = self._run_confirmed(outcome)
            result.append(outcome)
            return outcome.to_clicker

        reply = guarded(run, what="a click")
        return result[0] if result else ClickResult(to_clicker=reply)

    def _button_command(self, click: ButtonClick) -> Invocation:
        """A button that runs a command (a card's "Reboot now"): the clicker types it, in
        effect, with every check a typed command gets. Its value is only ever a VMID."""
        value = click.value if click.value.isdigit() else "?"  # a tampered value: refused
        return Invocation(
            identity=click.identity,
            display_name=click.display_name,
            channel=click.channel,
            scope="server",
            text=COMMAND_BUTTONS[click.action].format(vm=value),
            inbound_id=click.inbound_id,
            roles=click.roles,
        )

    def _run_confirmed(self, confirmed: Confirmed) -> ClickResult:
        try:
            reply = self._handle(confirmed.invocation, confirmed=True)
        except USER_ERRORS as exc:
            # The run audited this refusal as the command's; it is not a refused click.
            return ClickResult(to_clicker=Reply(text=str(exc), tone="warning"))
        return ClickResult(to_clicker=reply, replace_message=confirmed.replace_message)

    def complete_server(
        self, identity: Identity, roles: frozenset[str], typed: str
    ) -> list[Choice]:
        try:
            actor = self.policy.actor(identity, "", roles)
            entries = self.policy.search_servers(actor, typed, limit=_MAX_CHOICES)
        except redis.exceptions.RedisError:
            return []
        return [
            Choice(label=f"{e.vmid} {answers.server_line(e)}", value=str(e.vmid)) for e in entries
        ]

    # -- the command path ------------------------------------------------------------------
    def actor_of(self, invocation: Invocation) -> Actor:
        inv = invocation
        return self.policy.actor(inv.identity, inv.display_name, inv.roles)

    def _handle(self, inv: Invocation, *, confirmed: bool) -> Reply:
        actor = self.actor_of(inv)
        where = f"{inv.identity.platform}:{inv.channel}"
        if not confirmed:
            self.audit("invocation", actor, command=f"/{inv.scope} {inv.text}", where=where)
        try:
            parsed = self._parse_counted(actor, inv, confirmed=confirmed)
            self.policy.check_scope(actor, parsed.command, direct_message=inv.is_direct_message)
            if parsed.command.name == "task":
                return self._task(actor, inv, parsed)
            if parsed.command.job_kind is None:
                return self._local(actor, parsed)
            return self._job(actor, inv, parsed, confirmed=confirmed)
        except USER_ERRORS as exc:
            self.audit("refused", actor, command=f"/{inv.scope} {inv.text}", result=str(exc))
            raise

    def _parse_counted(self, actor: Actor, inv: Invocation, *, confirmed: bool) -> Parsed:
        """Parse, counting the command against the rate limits unless it asks for help
        (what someone slowed down needs, and it costs nothing). A confirmed rerun was
        counted as its click; text that does not parse counts like any command."""
        try:
            parsed = parse(self.registry, inv.scope, inv.text)
        except ParseError:
            if not confirmed:
                self.policy.check_rate(actor)
            raise
        if not confirmed and parsed.command.name != "help":
            self.policy.check_rate(actor)
        return parsed

    def _local(self, actor: Actor, parsed: Parsed) -> Reply:
        """Commands answered from Redis alone."""
        local: dict[str, Callable[[], Reply]] = {
            "help": lambda: answers.help_reply(
                self.registry, parsed.command.scope, parsed.get("command")
            ),
            "list": lambda: pages.server_page(self.policy, self.stores.inventory, actor, parsed),
            "approvals": self._approvals,
            "node list": lambda: answers.node_list(self.stores.inventory.all()),
            "audit": lambda: answers.audit_reply(
                answers.audit_entries(
                    self.stores.audit, self.stores.identities.identities_of, parsed.get("filter")
                )
            ),
            "queue": lambda: self._queue(actor, parsed.get("retry")),
        }
        answer = local.get(parsed.command.name)
        if answer is not None:
            return pages.paged(parsed, answer())
        reply = identity_command(self.stores.identities, actor, parsed)
        self.audit_done("identity", actor, command=format_command(parsed), result=reply.text)
        return reply

    def _approvals(self) -> Reply:
        for approval_id in self.stores.approvals.expire_due():
            found = self.stores.approvals.get(approval_id)
            actor = found.request.job.requested_by if found else ""
            self.stores.audit.record_committed("approval.expired", actor=actor, result=approval_id)
            if found is not None:
                self.decisions.expired(found.request)
        return pending_reply(self.stores.approvals.pending(), now=self.policy.clock.now())

    def _task(self, actor: Actor, inv: Invocation, parsed: Parsed) -> Reply:
        """A job id is answered from Redis now; a UPID needs Proxmox, so it becomes a job."""
        ref: str = parsed.get("task")
        if not UPID.is_valid(ref):
            job_id = self._job_id(ref)
            found = self.stores.jobs.find(job_id) if job_id else None
            if found is None:
                return self._waiting(actor, ref)
            if not self.policy.may_see_job(actor, found.request):
                raise Refusal(f"request {ref} not found")
            return job_reply(found, now=self.policy.clock.now())
        vmid = UPID.parse(ref).vmid
        if actor.is_admin:
            entry = self.stores.inventory.get(vmid) if vmid is not None else None
        else:
            entry = self._owned_task_server(actor, ref, vmid)
        request = job_request(actor, inv, parsed, entry)
        command = format_command(parsed)
        return self.jobs.submit(actor, request, command_text=command, queued=command)

    def _waiting(self, actor: Actor, ref: str) -> Reply:
        """A reference of a request still waiting for an admin (no job exists yet)."""
        name = ref.strip().lower().removeprefix("#")
        for approval in self.stores.approvals.pending():
            request = approval.request
            if request.ref == name and self.policy.may_see_job(actor, request.job):
                left = duration(request.expires - self.policy.clock.now())
                return Reply(
                    text=f"#{name} ({request.text}) is waiting for an admin's approval; "
                    f"it expires in {left}"
                )
        raise Refusal(f"request {ref} not found")

    def _job_id(self, ref: str) -> str | None:
        """The job a ``#reference`` names (a job id as ``/admin queue`` lists it is one)."""
        return self.jobs.refs.job_of(ref) if ref.startswith("#") else ref

    def _owned_task_server(self, actor: Actor, ref: str, vmid: int | None) -> InventoryEntry:
        """The same answer for another account's task as for one that does not exist."""
        try:
            if vmid is None:
                raise Refusal(ref)
            return self.policy.resolve_server(actor, str(vmid))
        except Refusal:
            raise Refusal(f"task {ref} not found") from None

    def _queue(self, actor: Actor, retry: str | None) -> Reply:
        if retry is None:
            return self.stores.jobs.queue_reply()
        job_id = self._job_id(retry)
        if job_id is None:
            return Reply(text=f"no request {retry}", tone="warning")
        ok, message = self.stores.jobs.retry(job_id)
        # The answer names the request as the admin did, never the queue's prefixed name.
        shown = f"request {retry}" if retry.startswith("#") else f"job {job_id}"
        message = f"{shown} is queued again" if ok else message.replace(f"job {job_id}", shown)
        message = message.replace(f"no job {job_id}", f"no {shown}")
        self.audit_done("job.queued" if ok else "refused", actor, job_id=retry, result=message)
        return Reply(text=message, tone="success" if ok else "warning")

    def _job(self, actor: Actor, inv: Invocation, parsed: Parsed, *, confirmed: bool) -> Reply:
        command = parsed.command
        entry = self._server_of(actor, parsed)
        vmid = entry.vmid if entry else None
        mutating = command.mutating and not parsed.dry_run
        # Certain refusals first: "try again later" (busy) would be the wrong advice for them.
        self.refusals.check(actor, parsed, entry)
        if mutating and vmid is not None:
            self.policy.check_not_busy(vmid)
        request = job_request(actor, inv, parsed, entry)
        approval = mutating and self.policy.needs_approval(actor, command)
        if approval:
            self.decisions.check_not_waiting(request)  # before a Confirm that would be moot
        if mutating and command.destructive and not confirmed:
            return self._ask_confirmation(inv, parsed, entry)
        if approval:
            changes = answers.requested_changes(parsed, entry)
            server = f"{entry.name} ({entry.vmid})" if entry and entry.name else f"server {vmid}"
            return self.decisions.request_approval(actor, parsed, request, changes, server=server)
        return self.jobs.submit(actor, request, command_text=format_command(parsed))

    def _server_of(self, actor: Actor, parsed: Parsed) -> InventoryEntry | None:
        arg = parsed.command.server_arg
        return self.policy.resolve_server(actor, parsed.get(arg.name)) if arg else None

    def _ask_confirmation(
        self, inv: Invocation, parsed: Parsed, entry: InventoryEntry | None
    ) -> Reply:
        canonical = inv.model_copy(update={"text": format_command(parsed)})
        confirmation_id = self.stores.confirmations.create(canonical)
        what = parsed.command.name + (f" server {entry.vmid} ({entry.name})" if entry else "")
        return Reply(
            text=f"Are you sure? {what}: {parsed.command.summary}.",
            buttons=(
                Button(action="confirm", value=confirmation_id, label="Confirm", style="danger"),
                Button(action="cancel", value=confirmation_id, label="Cancel"),
            ),
            tone="warning",
        )

    def audit(self, event: str, actor: Actor, **fields: object) -> None:
        """Before anything is done: a failing audit log stops the command (nothing done)."""
        self.stores.audit.record(event, actor=actor.key, **fields)  # type: ignore[arg-type]

    def audit_done(self, event: str, actor: Actor, **fields: object) -> None:
        """After the change is committed: best effort, so the reply tells the truth."""
        self.stores.audit.record_committed(event, actor=actor.key, **fields)
