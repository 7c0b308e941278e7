"""The command registry (``bot.commands``) as ``CommandSpec`` declarations.

The registry describes values by how text parses; Discord wants option types. An argument
becomes a Discord integer when its value is a plain number (with the range its parser
accepts), a boolean for yes/no, a user picker for user ids, and a string otherwise (sizes,
names: the parser validates them on submit). Server arguments get autocomplete.

Discord refuses a description over 100 characters, and cutting one leaves half a sentence.
An option reads its help and, when that fits, what is expected; a picker Discord fills in
(a user, yes/no) needs no "expected". A help or summary too long on its own is an error
here, caught by the tests, rather than text cut short in front of people.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.adapters.discord.spec import CommandSpec, OptionKind, OptionSpec
from bot.commands import build_registry
from bot.commands.registry import Arg, Command, Registry, ValueType

_PROBE_LIMIT = 10_000  # integer options are small counts (cores); probe their parser's range
MAX_DESCRIPTION = 100  # Discord's limit for command and option descriptions


def specs_from_registry(registry: Registry) -> list[CommandSpec]:
    return [command_spec(c) for c in registry.commands]


def default_specs() -> list[CommandSpec]:
    return specs_from_registry(build_registry())


def command_spec(command: Command) -> CommandSpec:
    return CommandSpec(
        scope=command.scope,
        path=command.path,
        description=_fitting(command.summary, command.slash),
        options=tuple(option_spec(a) for a in command.args),
    )


def option_spec(arg: Arg) -> OptionSpec:
    kind = _kind(arg)
    low, high = _int_bounds(arg.type) if kind == "int" else (None, None)
    return OptionSpec(
        name=arg.name,
        kind=kind,
        description=option_description(arg, kind),
        required=arg.required,
        positional=arg.positional,
        min_value=low,
        max_value=high,
        rest=arg.rest,
    )


def option_description(arg: Arg, kind: OptionKind) -> str:
    """``help (expected)`` when it fits in Discord's 100 characters, else the help alone."""
    helped = _fitting(arg.help, f"argument {arg.name}")
    if kind in ("user", "bool"):  # Discord's own picker shows what it takes
        return helped
    both = f"{helped} ({arg.type.expected})"
    return both if len(both) <= MAX_DESCRIPTION else helped


def _fitting(text: str, what: str) -> str:
    if len(text) > MAX_DESCRIPTION:
        raise ValueError(f"{what}: {len(text)} characters, Discord shows {MAX_DESCRIPTION}")
    return text


def _kind(arg: Arg) -> OptionKind:
    value_type = arg.type
    # A new server's name is free text; suggesting existing servers would mislead there.
    if value_type.names_server and arg.positional:
        return "server"
    if value_type.python_type is bool:
        return "bool"
    if value_type.metavar == "USER":
        return "user"
    if value_type.python_type is int and value_type.format is str:
        return "int"
    return "str"


def _int_bounds(value_type: ValueType) -> tuple[int | None, int | None]:
    accepted = list(_probe(value_type, range(_PROBE_LIMIT)))
    if not accepted:
        return None, None
    high = accepted[-1] if accepted[-1] < _PROBE_LIMIT - 1 else None
    return accepted[0], high


def _probe(value_type: ValueType, numbers: Iterable[int]) -> Iterable[int]:
    for n in numbers:
        try:
            value_type.parse(str(n))
        except ValueError:
            continue
        yield n
