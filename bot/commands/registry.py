"""How commands are declared: the registry is data (``bot/commands/*.py``), this module is its
vocabulary.

A ``Command`` names its scope and path, its typed arguments, whether it is destructive (a
confirm step), whether customers need an admin's approval by default, and the job kind it
maps to (``None``: answered on the ack path from Redis alone). Each command's arguments
become a pydantic model, so a parsed command is a validated, typed request.

Leaf module (pydantic and bot.ports.invocation only): the data modules in ``bot/commands`` import
it, and so may adapters that render options (Discord) from the same declarations.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, create_model

from bot.ports.invocation import Scope
from jobs.kinds import JobKind

SLASH = {"server": "/server", "admin": "/admin", "auth": "/auth"}
# How alike a typo and a name must be to be suggested (difflib's own default cutoff): enough
# for ``rezise`` → ``resize`` and ``cpus`` → ``cpu``, nothing for ``frobnicate``.
CLOSE_ENOUGH = 0.6
_PLACEHOLDER = re.compile(r"<[a-z-]+>")


@dataclass(frozen=True)
class ValueType:
    """One kind of argument value: how text becomes a value and back, and what we expected.

    ``parse`` raises ``ValueError`` for anything it refuses; ``format(parse(t))`` must parse
    to the same value (the round-trip property the tests check).
    """

    metavar: str
    expected: str
    python_type: type
    parse: Callable[[str], Any]
    format: Callable[[Any], str] = str
    names_server: bool = False  # the value is a VMID-or-name: policy resolves and checks it


@dataclass(frozen=True)
class Arg:
    name: str
    type: ValueType
    help: str
    required: bool = False
    positional: bool = False
    rest: bool = False  # a last positional that takes every remaining word (help topics)
    job_key: str = ""  # its name in the Action request (JobRequest.args); default: field

    @property
    def job_field(self) -> str:
        return self.job_key or self.field

    @property
    def field(self) -> str:
        return self.name.replace("-", "_")

    def usage(self) -> str:
        if self.positional:
            shown = f"<{self.name}>" if self.required else f"[{self.name}]"
            return shown.replace(">", "…>").replace("]", "…]") if self.rest else shown
        shown = f"{self.name}={self.type.metavar}"
        return shown if self.required else f"[{shown}]"


@dataclass(frozen=True)
class Placeholder:
    """A value an example cannot spell out because it exists only at run time (a backup id,
    a job id, an invite code). The example writes it as ``<name>`` and help shows it so;
    ``yielded_by`` is the whole earlier command whose answer shows such a value, which is
    how a person (and the end-to-end suite) gets one."""

    name: str
    type: ValueType
    yielded_by: str
    hint: str

    @property
    def written(self) -> str:
        return f"<{self.name}>"


@dataclass(frozen=True)
class Command:
    scope: Scope
    path: tuple[str, ...]
    summary: str
    args: tuple[Arg, ...] = ()
    examples: tuple[str, ...] = ()
    job_kind: JobKind | None = None
    fixed_args: tuple[tuple[str, Any], ...] = ()
    destructive: bool = False
    approval: bool = False  # customers need an admin's approval by default (settings override)
    mutating: bool = False  # changes something: accepts dry-run=yes
    one_of: tuple[str, ...] = ()  # at least one of these arguments must be given
    placeholders: tuple[Placeholder, ...] = ()  # run-time values its examples name
    model: type[BaseModel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mutating and not any(a.name == "dry-run" for a in self.args):
            object.__setattr__(self, "args", (*self.args, DRY_RUN))
        object.__setattr__(self, "model", _model_for(self))
        declared = {p.written for p in self.placeholders}
        for example in self.examples:
            undeclared = set(_PLACEHOLDER.findall(example)) - declared
            if undeclared:
                raise ValueError(f"{self.slash}: example {example!r} names {undeclared}")

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def slash(self) -> str:
        return f"{SLASH[self.scope]} {self.name}"

    @property
    def server_arg(self) -> Arg | None:
        return next((a for a in self.args if a.type.names_server), None)

    def arg(self, name: str) -> Arg | None:
        return next((a for a in self.args if a.name == name), None)

    def usage(self) -> str:
        return " ".join([self.slash, *(a.usage() for a in self.args)])


@dataclass(frozen=True)
class Parsed:
    """A command with validated, typed arguments."""

    command: Command
    values: BaseModel

    def get(self, name: str) -> Any:
        return getattr(self.values, name.replace("-", "_"))

    def present(self) -> dict[str, Any]:
        """Arguments the person gave (name in text form → typed value)."""
        return {a.name: self.get(a.name) for a in self.command.args if self.get(a.name) is not None}

    @property
    def dry_run(self) -> bool:
        return bool(self.command.mutating and self.get("dry-run"))


class Registry:
    """All commands of all scopes; lookups by scope and path."""

    def __init__(self, commands: tuple[Command, ...]) -> None:
        self.commands = commands
        self._by_path: Mapping[tuple[Scope, tuple[str, ...]], Command] = {
            (c.scope, c.path): c for c in commands
        }

    def in_scope(self, scope: Scope) -> list[Command]:
        return [c for c in self.commands if c.scope == scope]

    def find(self, scope: Scope, path: tuple[str, ...]) -> Command | None:
        return self._by_path.get((scope, path))

    def longest_match(self, scope: Scope, words: list[str]) -> Command | None:
        for length in range(min(len(words), 3), 0, -1):
            found = self.find(scope, tuple(w.lower() for w in words[:length]))
            if found is not None:
                return found
        return None

    def nearest(self, scope: Scope, words: list[str]) -> Command | None:
        """The command ``words`` most likely meant to name, or None when none is close.

        Words that already match a command's path are not scored: ``backup craete`` is
        compared as ``craete`` with ``create``, so a right group word with a wrong (or
        missing) verb after it never suggests a verb that is nothing like what was typed.
        """
        typed = [w.lower() for w in words]
        scored: list[tuple[float, Command]] = []
        for command in self.in_scope(scope):
            given = typed[: len(command.path)]
            same = 0
            while same < len(given) and given[same] == command.path[same]:
                same += 1
            rest, wanted = " ".join(given[same:]), " ".join(command.path[same:])
            if rest and wanted:
                scored.append((similarity(rest, wanted), command))
        close = [s for s in scored if s[0] >= CLOSE_ENOUGH]
        # max keeps the first of equals: ties go to the command declared first.
        return max(close, key=lambda s: s[0])[1] if close else None

    def group(self, scope: Scope, word: str) -> list[Command]:
        """The commands of a multi-word group (``backup`` → backup list, create, …)."""
        return [c for c in self.in_scope(scope) if len(c.path) > 1 and c.path[0] == word.lower()]


def similarity(typed: str, name: str) -> float:
    """How alike two words are, from 0 to 1: difflib's ratio averaged with its letters-only
    quick_ratio. The ratio alone follows the longest common runs and so rates ``rezise``
    nearer ``reset`` than ``resize``; counting shared letters as well gives a swapped pair
    of letters its due."""
    matcher = difflib.SequenceMatcher(None, typed, name)
    return (matcher.ratio() + matcher.quick_ratio()) / 2


def closest(typed: str, names: list[str]) -> str | None:
    """The one of ``names`` nearest to ``typed`` (the first of equals), or None when none
    is close enough."""
    scored = [(similarity(typed.lower(), name), name) for name in names]
    close = [s for s in scored if s[0] >= CLOSE_ENOUGH]
    return max(close, key=lambda s: s[0])[1] if close else None


def _model_for(command: Command) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for arg in command.args:
        annotated = Annotated[arg.type.python_type, BeforeValidator(_text_parser(arg.type))]  # type: ignore[name-defined]
        fields[arg.field] = (annotated, ...) if arg.required else (annotated | None, None)
    name = "".join(w.capitalize() for w in command.path) + "Args"
    return create_model(name, __config__=ConfigDict(frozen=True, extra="forbid"), **fields)


def _text_parser(value_type: ValueType) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        return value_type.parse(value) if isinstance(value, str) else value

    return parse


def _yes_no(text: str) -> bool:
    answers = {"yes": True, "true": True, "y": True, "no": False, "false": False, "n": False}
    if text.lower() not in answers:
        raise ValueError("not yes/no")
    return answers[text.lower()]


def _page(text: str) -> int:
    if not re.fullmatch(r"[1-9][0-9]{0,5}", text):
        raise ValueError("not a page number")
    return int(text)


YES_NO = ValueType("yes|no", "yes or no", bool, _yes_no, lambda v: "yes" if v else "no")
DRY_RUN = Arg("dry-run", YES_NO, "show what would be done and do nothing")
# Every long list answers one page at a time; its Next and Previous buttons run the command
# again with this argument, as if the clicker had typed it (``bot.pages``).
PAGE = ValueType("N", "a page number, from 1", int, _page)
PAGE_ARG = Arg("page", PAGE, "which page of a long list; the first by default")
