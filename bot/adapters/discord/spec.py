"""The command declarations the Discord tree is generated from, and their canonical text.

Discord wants typed options; the command layer wants one text form (``resize 101
memory=8G``) that one parser validates on every platform. ``CommandSpec`` is the small,
platform-neutral shape the tree builder needs; ``render_text`` turns the option values
Discord delivers back into that text, so nothing is validated twice in two ways.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.ports.invocation import Scope

OptionKind = Literal["server", "int", "str", "size", "user", "bool"]

SCOPE_DESCRIPTIONS: dict[Scope, str] = {
    "server": "Manage your servers",
    "admin": "Run the fleet (admins only)",
    "auth": "Link your chat account to a customer account",
}


@dataclass(frozen=True)
class OptionSpec:
    """One argument. ``positional`` options render bare (``101``), others as ``key=value``."""

    name: str
    kind: OptionKind
    description: str = ""
    required: bool = True
    positional: bool = False
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    rest: bool = False  # a last positional taking every remaining word: never quoted

    @property
    def key(self) -> str:
        """The Python parameter name (``dry-run`` → ``dry_run``); Discord shows ``name``."""
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class CommandSpec:
    """One subcommand: ``path`` is ``("resize",)`` or ``("backup", "list")`` under ``scope``."""

    scope: Scope
    path: tuple[str, ...]
    description: str
    options: tuple[OptionSpec, ...] = ()

    @property
    def qualified(self) -> str:
        return " ".join((self.scope, *self.path))


def render_text(spec: CommandSpec, values: Mapping[str, object]) -> str:
    """Canonical text of one invocation: path, then values in declaration order, positional
    ones bare and the others as ``name=value``, shell-quoted like ``bot.parser`` expects.

    Options Discord left out (``None``) are omitted, so the same command typed on Slack and
    filled in on Discord yields the same string. Values are text, numbers or booleans; the
    gateway has already made a picked user their id.
    """
    words = list(spec.path)
    for option in spec.options:
        value = values.get(option.key)
        if value is None:
            continue
        text = _stringify(value)
        word = text if option.rest else shlex.quote(text)
        words.append(word if option.positional else f"{option.name}={word}")
    return " ".join(words)


def _stringify(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).strip()
