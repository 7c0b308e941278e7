"""The text form of a command: ``resize 101 cpu=4 memory=8G disk=+20G``.

Words are split shell-style (quotes group words; nothing is ever executed), the longest
matching command path is taken from the registry, bare words fill the positional arguments
in order and ``key=value`` fills declared keys only. Values are validated by the command's
pydantic model. Every refusal is a ``ParseError`` naming the argument, what was expected and
the usage line; no input makes the parser raise anything else. A misspelt command or key is
answered with the nearest one (``did you mean resize?``), and a misspelt command with that
command's usage, when one is close enough.
"""

from __future__ import annotations

import shlex

from pydantic import BaseModel, ValidationError

from bot.commands.argtypes import Hinted
from bot.commands.registry import SLASH, Arg, Command, Parsed, Registry, closest
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
        raise _unknown_command(registry, scope, words)
    raw = _collect(command, words[len(command.path) :])
    return Parsed(command, _validate(command, raw))


def _unknown_command(registry: Registry, scope: Scope, words: list[str]) -> ParseError:
    """What the words could have been: the commands of the group the first word names
    (``backup`` → backup create, …) or else every first word; and the nearest command, whose
    usage is then shown instead of the scope's help."""
    group = registry.group(scope, words[0])
    if group:
        names = ", ".join(sorted(c.name for c in group))
        typed = " ".join(words[: max(len(c.path) for c in group)])
    else:
        names = ", ".join(sorted({c.path[0] for c in registry.in_scope(scope)}))
        typed = words[0]
    problem = f"expected one of {names}; got {shown(typed)}"
    nearest = registry.nearest(scope, words)
    if nearest is None:
        return ParseError("command", problem, f"{SLASH[scope]} help")
    return ParseError("command", f"{problem} — did you mean {nearest.name}?", nearest.usage())


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
            raise _unknown_key(command, key, value)
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


def _unknown_key(command: Command, key: str, value: str) -> ParseError:
    keyed = [a for a in command.args if not a.positional]
    keys = ", ".join(f"{a.name}=" for a in keyed) or "none"
    problem = f"is not an argument of {command.name}; keys: {keys}"
    meant = closest(key, [a.name for a in keyed]) if key else None
    if meant is not None:
        problem += f" — did you mean {_suggested(command, meant, value)}?"
    return ParseError(key or "=", problem, command.usage())


def _suggested(command: Command, name: str, value: str) -> str:
    """``cpu=4`` when the value fits the key that was meant (in its canonical form), else
    ``cpu=``: a value is never echoed unchecked."""
    arg = command.arg(name)
    assert arg is not None  # name is one of the command's own
    try:
        return _format_arg(arg, arg.type.format(arg.type.parse(value)))
    except ValueError:
        return f"{name}="


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
        return text if arg.rest else _quoted(text)
    return f"{arg.name}={_quoted(text)}"


def _quoted(text: str) -> str:
    """Quoted the way people type it (``note="before upgrade"``), only when it must be."""
    if shlex.quote(text) == text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
