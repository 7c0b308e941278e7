"""From a parsed command to the ``JobRequest`` a worker runs: the declared arguments only,
under the names the Action's request uses, with where to answer and who asked."""

from __future__ import annotations

from bot.commands.registry import Parsed
from bot.ports.invocation import Actor, Invocation
from bot.ports.notify import ReplyTarget
from jobs.queue import JobRequest
from jobs.state.inventory import InventoryEntry


def job_request(
    actor: Actor, inv: Invocation, parsed: Parsed, entry: InventoryEntry | None
) -> JobRequest:
    command = parsed.command
    args: dict[str, object] = dict(command.fixed_args)
    if entry is not None:
        args["vmid"] = entry.vmid
    for arg in command.args:
        value = parsed.get(arg.name)
        if value is not None and arg is not command.server_arg and arg.name != "dry-run":
            args[arg.job_field] = value
    if parsed.dry_run:
        args["dry_run"] = True  # plan-only: the worker computes the plan and changes nothing
    if command.job_kind is None:
        raise ValueError(f"{command.slash} runs no job")
    return JobRequest(
        kind=command.job_kind.name,
        vmid=entry.vmid if entry else None,
        args=args,
        target=target_of(inv),
        requested_by=actor.key,
        inbound_id=inv.inbound_id,
        account=None if actor.is_admin else actor.account,
    )


def target_of(inv: Invocation) -> ReplyTarget:
    return ReplyTarget(
        platform=inv.identity.platform,
        workspace=inv.identity.workspace,
        channel=inv.channel,
        requester=inv.identity.user,
        thread=inv.thread,
        requester_name=f"@{inv.display_name or inv.identity.user}",
        request=inv.inbound_id,
    )
