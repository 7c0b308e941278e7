"""The leaf vocabulary every layer may import: what a person asked for (``Invocation``,
``Actor``), what we answer (``Reply``), where it goes (``ReplyTarget``, ``MessageRef``,
``Notifier``), what adapters call (``CommandHandler``, ``ButtonClick``), the audit trail and
the clock. Nothing here imports anything else of ours, so ``jobs → bot.ports`` is the only
arrow that points up.
"""

from bot.ports.audit import REDACTED, SECRET_ARG_NAMES, AuditEntry, AuditLog, redact
from bot.ports.clock import SYSTEM_CLOCK, Clock, SystemClock
from bot.ports.codec import decoded
from bot.ports.handler import ButtonClick, Choice, ClickResult, CommandHandler, ReasonPrompt
from bot.ports.invocation import Actor, Identity, Invocation, Platform, Scope, shown_person
from bot.ports.notify import (
    CARD_EDIT_INTERVAL,
    BotNotifier,
    CardShown,
    MessageRef,
    Notifier,
    ReplyTarget,
    post_then,
)
from bot.ports.paging import BACKUPS_PER_PAGE, PAGE, Window, framed, page_value, spelled, window
from bot.ports.reply import (
    BUTTON_ACTION_MAX,
    BUTTON_VALUE_MAX,
    Button,
    ButtonStyle,
    Reply,
    ReplyField,
    Tone,
)

__all__ = [
    "BACKUPS_PER_PAGE",
    "BUTTON_ACTION_MAX",
    "BUTTON_VALUE_MAX",
    "CARD_EDIT_INTERVAL",
    "PAGE",
    "REDACTED",
    "SECRET_ARG_NAMES",
    "SYSTEM_CLOCK",
    "Actor",
    "AuditEntry",
    "AuditLog",
    "BotNotifier",
    "Button",
    "ButtonClick",
    "ButtonStyle",
    "CardShown",
    "Choice",
    "ClickResult",
    "Clock",
    "CommandHandler",
    "Identity",
    "Invocation",
    "MessageRef",
    "Notifier",
    "Platform",
    "ReasonPrompt",
    "Reply",
    "ReplyField",
    "ReplyTarget",
    "Scope",
    "SystemClock",
    "Tone",
    "Window",
    "decoded",
    "framed",
    "page_value",
    "post_then",
    "redact",
    "shown_person",
    "spelled",
    "window",
]
