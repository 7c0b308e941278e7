"""What the platform adapters call: the neutral command handler.

Adapters turn a slash command into an ``Invocation`` and a button click into a
``ButtonClick``, call the handler (Redis-only, fast enough for the 3-second ack), and render
what comes back. They never decide anything themselves.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, ConfigDict

from bot.ports.invocation import Identity, Invocation
from bot.ports.reply import Reply


class ButtonClick(BaseModel):
    """A click on a button we rendered; ``value`` is only an id, re-validated on use."""

    model_config = ConfigDict(frozen=True)

    identity: Identity
    display_name: str = ""
    action: str
    value: str
    inbound_id: str
    channel: str
    message_id: str | None = None
    roles: frozenset[str] = frozenset()
    reason: str | None = None
    # A click in a DM: a button that runs a command runs it with a DM's restrictions.
    is_direct_message: bool = False


class ReasonPrompt(BaseModel):
    """A click that needs a few words first (Deny: why?). The adapter asks in a form (a Slack
    modal through the click's ``trigger_id``, a Discord modal) and delivers the same click
    again with ``reason`` set; where no form exists (the console) the question is shown."""

    model_config = ConfigDict(frozen=True)

    title: str  # the form's title: Slack allows 24 characters, Discord 45
    label: str  # the question above the text box: Discord allows 45 characters
    placeholder: str = ""
    max_length: int = 300
    action: str
    value: str


class ClickResult(BaseModel):
    """``to_clicker`` goes to the person who clicked (ephemeral); ``replace_message``, when
    set, replaces the clicked message (e.g. buttons → "Approved by @x at 12:03");
    ``ask_reason``: nothing was decided yet, the clicker is asked why first.

    ``in_place`` (a list's other page): ``to_clicker`` takes the place of the clicked
    message when only the clicker sees that message, where the platform can edit it (a
    Slack ephemeral message through its response URL, a Discord ephemeral response);
    otherwise it arrives privately, as usual. A message others see is never replaced."""

    model_config = ConfigDict(frozen=True)

    to_clicker: Reply
    replace_message: Reply | None = None
    ask_reason: ReasonPrompt | None = None
    in_place: bool = False


class Choice(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    value: str


class CommandHandler(Protocol):
    def handle(self, invocation: Invocation) -> Reply: ...

    def click(self, click: ButtonClick) -> ClickResult: ...

    def complete_server(
        self, identity: Identity, roles: frozenset[str], typed: str
    ) -> list[Choice]: ...
