"""Platform-neutral replies: adapters render these as Block Kit or Discord messages.

Leaf module (pydantic only) so that jobs can build replies without importing the bot.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Tone = Literal["info", "success", "warning", "error"]
ButtonStyle = Literal["primary", "danger", "default"]


class ReplyField(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    value: str


# What every platform can carry back on a click: Discord's custom_id (at most 100
# characters) holds ``jh:<action>:<value>``, Slack's value and action_id hold more.
BUTTON_ACTION_MAX = 40
BUTTON_VALUE_MAX = 50
BUTTON_CHARACTERS = r"^[A-Za-z0-9_.\-]+$"


class Button(BaseModel):
    """An action button; ``action`` names the handler, ``value`` carries only an id (or,
    for a page button, which list and page), never a secret."""

    model_config = ConfigDict(frozen=True)

    action: str = Field(max_length=BUTTON_ACTION_MAX, pattern=BUTTON_CHARACTERS)
    value: str = Field(max_length=BUTTON_VALUE_MAX, pattern=BUTTON_CHARACTERS)
    label: str
    style: ButtonStyle = "default"
    confirm: str | None = None


class Reply(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    # A heading shown above the text (a request's card: "Resize · acme-web (101)").
    title: str | None = None
    fields: tuple[ReplyField, ...] = ()
    buttons: tuple[Button, ...] = ()
    code: str | None = None
    ephemeral: bool = True
    tone: Tone = "info"
    # Notify the requester: the notifier writes the platform's own mention in front.
    mention: bool = False
    # Notify a group (a Slack user group, a Discord role) by its id, the same way.
    mention_group: str | None = None
    # A request's card: the platform notifier puts it where JOTUNHEIM_CARDS_<PLATFORM> says
    # (the channel, the requester's DM, or on Discord the interaction's ephemeral reply).
    card: bool = False

    def plain(self) -> str:
        """A plain-text rendering (console, logs of what was sent, notifications)."""
        lines = [self.title, self.text] if self.title else [self.text]
        lines += [f"  {f.label}: {f.value}" for f in self.fields]
        if self.code:
            lines.append(self.code)
        lines += [f"  [{b.label}] ({b.action} {b.value})" for b in self.buttons]
        return "\n".join(lines)
