"""What admins read about approval requests: the card posted to the admin channel (who asked
what, the cache's current → requested values, Approve/Deny) and ``/admin approvals``."""

from __future__ import annotations

from bot.ports.reply import Button, Reply, ReplyField
from bot.store.approvals import Approval, ApprovalRequest
from jobs.chain.wording import duration


def approval_message(approval: ApprovalRequest) -> Reply:
    """What admins see: who asked what, the cache's current → requested values, buttons."""
    fields = tuple(ReplyField(label="change", value=c) for c in approval.changes)
    return Reply(
        text=f"Approval request {approval.id}: {approval.summary}",
        fields=fields,
        buttons=(
            Button(
                action="approve",
                value=approval.id,
                label="Approve",
                style="primary",
                confirm=f"Approve {approval.summary}?",
            ),
            Button(action="deny", value=approval.id, label="Deny", style="danger"),
        ),
        ephemeral=False,
    )


def pending_reply(approvals: list[Approval], *, now: float) -> Reply:
    if not approvals:
        return Reply(text="no pending approval requests")
    lines = [
        f"{a.request.id}: {a.request.summary} (expires in {duration(a.request.expires - now)})"
        for a in approvals
    ]
    return Reply(text=f"{len(approvals)} pending approval request(s)", code="\n".join(lines))
