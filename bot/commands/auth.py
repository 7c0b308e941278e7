"""Auth scope (``/auth …``): anyone, linked or not."""

from __future__ import annotations

from bot.commands.argtypes import CODE, TOPIC
from bot.commands.registry import Arg, Command, Placeholder

COMMANDS: tuple[Command, ...] = (
    Command(
        "auth",
        ("help",),
        "list commands, or explain one",
        (Arg("command", TOPIC, "a command to explain", positional=True, rest=True),),
        ("help", "help link"),
    ),
    Command(
        "auth",
        ("link",),
        "link this chat account to your customer account with a one-time code",
        (Arg("code", CODE, "the code an admin gave you", required=True, positional=True),),
        ("link <code>",),
        placeholders=(Placeholder("code", CODE, "/admin invite acme", "the code from an admin"),),
    ),
    Command("auth", ("whoami",), "which account this chat user is linked to", (), ("whoami",)),
    Command("auth", ("unlink",), "remove the link of this chat user", (), ("unlink",)),
)
