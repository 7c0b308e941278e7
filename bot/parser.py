"""The text form of a command: ``resize 101 cpu=4 memory=8G disk=+20G``.

Words are split shell-style (quotes group words; nothing is ever executed), the longest
matching command path is taken from the registry, bare words fill the positional arguments
in order and ``key=value`` fills declared keys only. Values are validated by the command's
pydantic model. Every refusal is a ``ParseError`` naming the argument, what was expected and
the usage line; no input makes the parser raise anything else.
"""

from __future__ import annotations

import shlex

from pydantic import BaseModel, ValidationError

from bot.commands.argtypes import Hinted
from bot.commands.registry import SLASH, Arg, Command, Parsed, Registry
from bot.ports.invocation import Scope

_MAX_SHOWN = 40
_MAX_TEXT = 2000


class ParseError(ValueError):
    """A refusal a person can act on; ``str()`` is the whole message, usage included."""

    def __init__(self, argument: str, problem: str, usage: str) -> None:
        self.argument = argument
        self.problem = problem
        self.usage = usage
        super().__init__(f"{argument}: {problem}\nusage: {usage}")


def shown(value: str) -> str:
    """A value echoed back safely: quoted, escaped, truncated."""
    text = value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "…"
    return repr(text)


def tokenize(text: str, usage: str) -> list[str]:
    if len(text) > _MAX_TEXT:
        raise ParseError("command", f"expected at most {_MAX_TEXT} characters", usage)
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as exc:  # unbalanced quotes, trailing backslash
        raise ParseError("command", f"expected balanced quotes ({exc})", usage) from None


def parse(registry: Registry, scope: Scope, text: str) -> Parsed:
    scope_usage = f"{SLASH[scope]} help"
    words = tokenize(text, scope_usage) or ["help"]
    command = registry.longest_match(scope, words)
    if command is None:
        names = ", ".join(sorted({c.path[0] for c in registry.in_scope(scope)}))
        raise ParseError("command", f"expected one of {names}; got {shown(words[0])}", scope_usage)
    raw = _collect(command, words[len(command.path) :])
    return Parsed(command, _validate(command, raw))


def _collect(command: Command, words: list[str]) -> dict[str, str]:
    usage = command.usage()
    raw: dict[str, str] = {}
    bare: list[str] = []
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            bare.append(word)
            continue
        arg = command.arg(key.lower())
        if arg is None or arg.positional:
            keys = ", ".join(f"{a.name}=" for a in command.args if not a.positional) or "none"
            raise ParseError(
                key or "=", f"is not an argument of {command.name}; keys: {keys}", usage
            )
        if arg.name in raw:
            raise ParseError(arg.name, "expected once, given twice", usage)
        raw[arg.name] = value
    extra = _fill_positionals(command, bare, raw)
    for name, value in raw.items():
        _check_value(command, name, value)
    if extra:
        count = sum(1 for a in command.args if a.positional)
        problem = f"unexpected; expected {count} word(s) before key=value arguments"
        raise ParseError(extra[0], problem, usage)
    for arg in command.args:
        if arg.required and arg.name not in raw:
            raise ParseError(arg.name, f"missing; expected {arg.type.expected}", usage)
    if command.one_of and not any(name in raw for name in command.one_of):
        wanted = ", ".join(f"{n}=" for n in command.one_of)
        raise ParseError(command.one_of[0], f"expected at least one of {wanted}", usage)
    return raw


def _fill_positionals(command: Command, bare: list[str], raw: dict[str, str]) -> list[str]:
    """Fill positional arguments in order; returns the words left over."""
    positionals = [a for a in command.args if a.positional]
    for index, arg in enumerate(positionals):
        if index >= len(bare):
            return []
        raw[arg.name] = " ".join(bare[index:]) if arg.rest else bare[index]
        if arg.rest:
            return []
    return bare[len(positionals) :]


def _check_value(command: Command, name: str, value: str) -> None:
    arg = command.arg(name)
    assert arg is not None  # _collect only stores declared names
    try:
        arg.type.parse(value)
    except ValueError as exc:
        problem = f"expected {arg.type.expected}; got {shown(value)}"
        if isinstance(exc, Hinted):
            problem += f": {exc}"
        raise ParseError(arg.name, problem, command.usage()) from None


def _validate(command: Command, raw: dict[str, str]) -> BaseModel:
    """Every value was checked already; the model makes it a typed request."""
    try:
        return command.model.model_validate({_field(command, k): v for k, v in raw.items()})
    except ValidationError:  # only if a ValueType and the model disagree: a bug, not user input
        raise ParseError("command", "expected declared arguments only", command.usage()) from None


def _field(command: Command, name: str) -> str:
    arg = command.arg(name)
    return arg.field if arg else name


def format_command(parsed: Parsed) -> str:
    """The canonical text form; ``parse(format_command(p))`` gives ``p`` back."""
    words = list(parsed.command.path)
    for arg in parsed.command.args:
        value = parsed.get(arg.name)
        if value is None:
            continue
        text = arg.type.format(value)
        words.append(_format_arg(arg, text))
    return " ".join(words)


def _format_arg(arg: Arg, text: str) -> str:
    if arg.positional:
        return text if arg.rest else shlex.quote(text)
    return f"{arg.name}={shlex.quote(text)}"
