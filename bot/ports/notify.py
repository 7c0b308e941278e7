"""The Notifier port: how workers talk back to the chat a request came from.

Leaf module (pydantic + bot.ports.reply only) so that jobs can import it. Implementations: the
test fake and the console/log notifier in ``bot.notifiers``, Slack and Discord in their
adapters. A notifier failure must never fail Proxmox work: jobs catch, log and retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.ports.invocation import Platform
from bot.ports.reply import Reply

# Seconds between two edits of one card: the chain coalesces its states on this interval
# (jobs/chain/card.py) and the worker's notifiers pace edits of one message by it.
CARD_EDIT_INTERVAL = 1.0


class ReplyTarget(BaseModel):
    """Where a job's messages go. JSON-serialisable: it travels inside RQ job arguments,
    so it holds ids only, never a token."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    workspace: str
    channel: str
    requester: str
    thread: str | None = None
    requester_name: str = ""  # how chat shows them ("@alice"); never an identity key
    # A message this post answers (the request's card): Slack threads it, Discord replies.
    reply_to: str | None = None
    # The request's inbound id: the platform's handle on its first answer (a Slack
    # response_url, a Discord interaction token) is kept in Redis under it, never here.
    request: str | None = None


class MessageRef(BaseModel):
    """A posted message that can be edited later (Slack ts, Discord message id); ``platform``
    lets a worker serving several platforms route the edit back to the right one."""

    model_config = ConfigDict(frozen=True)

    channel: str
    id: str
    platform: Platform | None = None
    # An ephemeral message (a Discord interaction follow-up): only the token of this inbound
    # request edits it, and only ``user`` sees it; the card continues in their DM after that.
    request: str | None = None
    user: str | None = None


class Notifier(Protocol):
    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        """Post in the target channel/thread; returns a reference for later edits."""
        ...

    def update(self, ref: MessageRef, reply: Reply) -> None:
        """Replace the text of a message posted earlier (progress, outcome)."""
        ...

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        """Show a reply only to the requester (ephemeral or DM): passwords go here."""
        ...


# Told the posted card's reference, or None when the post failed.
CardShown = Callable[[MessageRef | None], None]


class BotNotifier(Notifier, Protocol):
    """The bot process's notifier: its posts happen after the ack, so a card whose reference
    matters (a request's card posted before any job exists) hands it to ``shown`` later."""

    def post_card(self, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
        """Post ``reply`` and call ``shown`` with its reference (None if it failed)."""
        ...


def post_then(notifier: Notifier, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
    """``post_card`` for a notifier whose posts happen at once: the failure is re-raised
    after ``shown(None)``, so the caller still logs it."""
    try:
        ref = notifier.post(target, reply)
    except Exception:
        shown(None)
        raise
    shown(ref)
