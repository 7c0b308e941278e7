"""Doing what a person does to get a command done: type it, confirm when asked, have an admin
approve when it waits for one, and let the worker finish; and finding, in what a person saw,
a value a later command needs (a backup id, a job id, an invite code)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.registry import Command, Placeholder
from tests.support.chat import Shown
from tests.support.testbot import ADMINS, TestBot

_EDGES = "()[]{},;.'\"`"


@dataclass(frozen=True)
class Done:
    """What one command did: everything its requester saw from typing it to the outcome."""

    line: str
    actor: str
    seen: list[Shown]

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.seen)

    @property
    def first(self) -> Shown:
        return self.seen[0]


def approver_for(actor: str) -> str:
    return next(a for a in ADMINS if a != actor)


def perform(bot: TestBot, actor: str, line: str, *, settle: bool = True) -> Done:
    """Type ``line``; confirm if asked; approve (as another admin) if it waits for approval;
    run the worker until it has nothing left to do."""
    mark = bot.mark()
    reply = bot.send(actor, line)
    if any(b.action == "confirm" for b in reply.buttons):
        bot.confirm(actor)
    approver = approver_for(actor)
    waiting = [b for s in bot.seen(approver, since=mark) for b in s.reply.buttons]
    for button in waiting:
        if button.action == "approve":
            bot.approve(approver, button.value)
    if settle:
        bot.settle()
    return Done(line, actor, bot.seen(actor, since=mark))


def find_value(placeholder: Placeholder, seen: str) -> str:
    """The newest token in ``seen`` that the placeholder's value type accepts."""
    marked = placeholder.type.metavar.startswith("#")  # a reference: only "#k3f9" counts
    for token in reversed(seen.split()):
        candidate = token.strip(_EDGES + (":" if marked else ""))
        if marked and not candidate.startswith("#"):
            continue
        try:
            return str(placeholder.type.parse(candidate))
        except ValueError:
            continue
    raise AssertionError(f"no {placeholder.written} in what was seen:\n{seen}")


def placeholders_in(command: Command, example: str) -> tuple[Placeholder, ...]:
    """The run-time values (``<backup>``) this example of the command names."""
    return tuple(p for p in command.placeholders if p.written in example)


def fill_placeholders(bot: TestBot, command: Command, example: str, actor: str) -> str:
    """Run each placeholder's yielding command (an /admin one as an admin) and put the
    value it showed in the example."""
    for placeholder in placeholders_in(command, example):
        runner = ADMINS[0] if placeholder.yielded_by.startswith("/admin") else actor
        done = perform(bot, runner, placeholder.yielded_by)
        example = example.replace(placeholder.written, find_value(placeholder, done.text))
    return example
