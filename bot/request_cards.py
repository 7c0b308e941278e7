"""The requester's card of a request that waits for an admin: posted by the bot right after
the ack, so the customer follows the request on one message from the first moment.

While the request waits, the card says so and shows the requested change; a denial or an
expiry edits it (who, when, why; nothing was changed). An approval does not: the worker
that runs the approved job adopts the card through its record (``jobs.state.cards``) and
its first edit says who approved, so the bot and the worker never race to edit one message.
"""

from __future__ import annotations

import logging
import time

from bot.ports.notify import BotNotifier, MessageRef
from bot.ports.reply import Reply, ReplyField, Tone
from bot.store.approvals import ApprovalRequest
from jobs.kinds import heading
from jobs.state.cards import CardRecords

log = logging.getLogger(__name__)


def card_key(approval_id: str) -> str:
    """The card record's name: the inbound id the approved job will carry."""
    return f"approval:{approval_id}"


class RequesterCards:
    def __init__(self, notifier: BotNotifier, records: CardRecords) -> None:
        self._notifier = notifier
        self._records = records

    def waiting(self, request: ApprovalRequest) -> None:
        key = card_key(request.id)
        if not self._records.claim(key):
            return  # a redelivered request: its card exists

        def shown(posted: MessageRef | None) -> None:
            if posted is None:
                self._records.release(key)  # the worker will post its own when it runs
            else:
                self._records.shown(key, posted)

        # Until a moment, not "in 1 d": nothing edits the card while it waits.
        card = _card(
            request, f"⏳ Waiting for an admin's approval until {_moment(request.expires)}"
        )
        try:
            self._notifier.post_card(request.job.target, card, shown)
        except Exception:  # best effort: the request is stored, the admins are asked
            log.exception("could not post the card of approval request %s", request.id)

    def closed(self, request: ApprovalRequest, state: str, *, tone: Tone) -> None:
        """A denial or an expiry: the card's last state (the worker never runs this one)."""
        card = _card(request, state, tone=tone)
        record = self._records.get(card_key(request.id))
        try:
            if record is not None and record.ref is not None:
                self._notifier.update(record.ref, card)
            else:  # its post failed or is still in flight: say it in a message of its own
                self._notifier.post(request.job.target, card.model_copy(update={"mention": True}))
        except Exception:
            log.exception("could not show the decision on approval request %s", request.id)


def _moment(at: float) -> str:
    """``4 Dec 14:05 UTC``."""
    moment = time.gmtime(at)
    return f"{moment.tm_mday} {time.strftime('%b %H:%M UTC', moment)}"


def decided_line(verdict: str, by: str, at: float, reason: str = "") -> str:
    when = time.strftime("%H:%M UTC", time.gmtime(at))
    because = f"\nReason: {reason}" if reason else ""
    return f"{verdict} by {by} at {when}{because}\nNothing was changed."


def _card(request: ApprovalRequest, state: str, *, tone: Tone = "info") -> Reply:
    job = request.job
    asked = f"asked by {request.requester_name}" + (f" for {job.account}" if job.account else "")
    asked += f" · #{request.ref}" if request.ref else ""
    return Reply(
        title=f"{heading(job.kind, job.args)} · {request.server or 'a new server'}",
        text=f"{asked}\n{state}",
        fields=tuple(ReplyField(label="Change", value=c) for c in request.changes),
        ephemeral=False,
        tone=tone,
        card=True,
    )
