"""``jotunheim console --as <platform>:<user>``: type slash commands as that identity.

The local way to try and debug the bot (like errbot's text backend): ``/server list``,
``/admin approvals``, button clicks as ``confirm <id>``, ``cancel <id>``, ``approve <id>``,
``deny <id> <reason>``, and ``as <platform>:<user>`` to switch identity. Messages the bot
posts (approval requests, task updates from an in-process worker) are printed as they
arrive through ``ConsoleNotifier``. A worker in another process posts through its own
notifier, so its updates show up there, not here.
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import sys
import threading
from collections.abc import Callable
from typing import get_args

from bot.ports import ButtonClick, CommandHandler
from bot.ports.invocation import Identity, Invocation, Platform, Scope
from bot.ports.notify import CardShown, MessageRef, ReplyTarget, post_then
from bot.ports.reply import Reply

Write = Callable[[str], None]
_CLICKS = ("confirm", "cancel", "approve", "deny", "page")
PROMPT_HELP = (
    "type /server …, /admin … or /auth …; confirm|cancel|approve <id>; deny <id> <reason>; "
    "page <list.N> (or the command with page=N); as <platform>:<user>; quit"
)


def parse_identity(text: str) -> Identity:
    """``console:alice``, ``slack:U123`` (workspace "console") or ``slack:T1:U123``."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[0] not in get_args(Platform) or not all(parts):
        raise ValueError(
            f"expected <platform>:<user> or <platform>:<workspace>:<user>, got {text!r}"
        )
    workspace = parts[1] if len(parts) == 3 else "console"
    return Identity(platform=parts[0], workspace=workspace, user=parts[-1])


class ConsoleNotifier:
    """Prints what the bot posts; thread-safe so an in-process worker can post too."""

    def __init__(self, write: Write) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def post(self, target: ReplyTarget, reply: Reply) -> MessageRef:
        ref = MessageRef(channel=target.channel, id=str(next(self._ids)))
        answering = f", answering {target.reply_to}" if target.reply_to else ""
        ping = f"@{target.requester} " if reply.mention else ""
        self._print(f"[#{target.channel}{answering}] {ping}{reply.plain()}")
        return ref

    def post_card(self, target: ReplyTarget, reply: Reply, shown: CardShown) -> None:
        post_then(self, target, reply, shown)

    def update(self, ref: MessageRef, reply: Reply) -> None:
        self._print(f"[#{ref.channel}, message {ref.id} updated] {reply.plain()}")

    def notify_private(self, target: ReplyTarget, reply: Reply) -> None:
        # Every line is marked: the code block (a password) is private too.
        marker = f"[only @{target.requester} sees this]"
        self._print("\n".join(f"{marker} {line}" for line in reply.plain().splitlines()))

    def _print(self, text: str) -> None:
        with self._lock:
            self._write(text)


class ConsoleSession:
    """One person at the keyboard; ``feed`` takes a line and writes what they would see."""

    def __init__(self, handler: CommandHandler, identity: Identity, write: Write) -> None:
        self.handler = handler
        self.identity = identity
        self._write = write
        self._ids = itertools.count(1)

    def feed(self, line: str) -> bool:
        """Handle one line; ``False`` means the session should end."""
        line = line.strip()
        if not line:
            return True
        if line in ("quit", "exit"):
            return False
        word, _, rest = line.partition(" ")
        if word.startswith("/") and word[1:] in get_args(Scope):
            self._command(word[1:], rest)  # type: ignore[arg-type]
        elif word in _CLICKS:
            self._click(word, rest)
        elif word == "as":
            self._switch(rest.strip())
        else:
            self._write(PROMPT_HELP)
        return True

    def _command(self, scope: Scope, text: str) -> None:
        invocation = Invocation(
            identity=self.identity,
            display_name=self.identity.user,
            channel="console",
            scope=scope,
            text=text,
            inbound_id=f"console-{self.identity.key}-{next(self._ids)}-{id(self)}",
        )
        self._write(self.handler.handle(invocation).plain())

    def _click(self, action: str, rest: str) -> None:
        try:
            words = shlex.split(rest)
        except ValueError:
            words = rest.split()
        if not words:
            self._write(f"usage: {action} <id>" + (" <reason>" if action == "deny" else ""))
            return
        click = ButtonClick(
            identity=self.identity,
            display_name=self.identity.user,
            action=action,
            value=words[0],
            inbound_id=f"console-click-{next(self._ids)}-{id(self)}",
            channel="console",
            reason=" ".join(words[1:]) or None,
        )
        result = self.handler.click(click)
        self._write(result.to_clicker.plain())
        if result.replace_message is not None:
            self._write(f"[message replaced] {result.replace_message.plain()}")

    def _switch(self, text: str) -> None:
        try:
            self.identity = parse_identity(text)
        except ValueError as exc:
            self._write(str(exc))
            return
        self._write(f"you are now {self.identity.mention} ({self.identity.platform})")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="jotunheim console", description=__doc__)
    parser.add_argument("--as", dest="who", required=True, help="<platform>:<user>")
    args = parser.parse_args(argv)
    try:
        identity = parse_identity(args.who)
    except ValueError as exc:
        parser.error(str(exc))
    from bot.compose import compose_bot  # noqa: PLC0415  (settings are read only now)

    def write(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    session = ConsoleSession(compose_bot(ConsoleNotifier(write)), identity, write)
    write(f"jotunheim console as {identity.key}; {PROMPT_HELP}")
    for line in sys.stdin:
        if not session.feed(line):
            break
    return 0
