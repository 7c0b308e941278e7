"""The registry walked as data: unique names, help and a parsing example for every command."""

from __future__ import annotations

import pytest

from bot.answers import help_reply
from bot.commands import build_registry
from bot.commands.registry import Command
from bot.parser import format_command, parse
from jobs.kinds import KINDS
from tests.support.conversation import placeholders_in

REGISTRY = build_registry()


def test_names_are_unique_per_scope() -> None:
    keys = [(c.scope, c.path) for c in REGISTRY.commands]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("command", REGISTRY.commands, ids=lambda c: f"{c.scope}:{c.name}")
def test_every_command_has_help_and_examples_that_parse_to_itself(command: Command) -> None:
    assert command.summary
    assert command.examples
    assert all(arg.help for arg in command.args)
    for example in command.examples:
        if placeholders_in(command, example):
            continue  # run-time values: tests/e2e runs these with the values filled in
        parsed = parse(REGISTRY, command.scope, example)
        assert parsed.command is command
        assert parse(REGISTRY, command.scope, format_command(parsed)) == parsed


@pytest.mark.parametrize(
    "command", [c for c in REGISTRY.commands if c.placeholders], ids=lambda c: c.slash
)
def test_a_placeholder_stands_for_an_argument_and_its_source_parses(command: Command) -> None:
    for placeholder in command.placeholders:
        assert any(placeholder.written in e for e in command.examples)
        scope, _, text = placeholder.yielded_by.removeprefix("/").partition(" ")
        assert parse(REGISTRY, scope, text)  # type: ignore[arg-type]
        assert placeholder.hint


def test_an_example_naming_an_undeclared_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="<backup>"):
        Command("server", ("frob",), "frob a server", (), ("frob <backup>",))


def test_every_job_kind_is_in_the_jobs_catalog() -> None:
    kinds = {c.job_kind for c in REGISTRY.commands if c.job_kind}
    assert kinds <= set(KINDS.values())


def test_destructive_commands_are_the_documented_ones() -> None:
    destructive = {c.name for c in REGISTRY.commands if c.destructive}
    assert destructive == {
        "stop",
        "reset",
        "rebuild",
        "backup restore",
        "backup delete",
        "server delete",
    }


def test_help_lists_every_command_of_the_scope() -> None:
    text = help_reply(REGISTRY, "server", None).text
    for command in REGISTRY.in_scope("server"):
        assert command.usage() in text


def test_help_for_one_command_shows_usage_arguments_and_examples() -> None:
    text = help_reply(REGISTRY, "server", "resize").text
    assert (
        text.splitlines()[0]
        == "/server resize <vm> [cpu=N] [memory=SIZE] [disk=SIZE|+SIZE] [dry-run=yes|no]"
    )
    assert "example: /server resize 101 cpu=4 memory=8G" in text
    assert "cpu: number of CPU cores" in text


def test_help_for_a_two_word_command_and_an_unknown_one() -> None:
    assert help_reply(REGISTRY, "server", "backup create").text.startswith(
        "/server backup create <vm>"
    )
    assert "no command 'frob'" in help_reply(REGISTRY, "server", "frob").text


def test_no_command_path_is_the_group_of_another() -> None:
    """Discord cannot have ``/admin queue`` both as a command and as a group of commands."""
    paths = {(c.scope, c.path) for c in REGISTRY.commands}
    clashes = [
        (scope, path)
        for scope, path in paths
        if any(other[: len(path)] == path and other != path for s, other in paths if s == scope)
    ]
    assert clashes == []
