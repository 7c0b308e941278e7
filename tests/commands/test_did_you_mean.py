"""A misspelt command or key: the error names it, lists what was possible, suggests the nearest
(with that command's usage), and suggests nothing when nothing is close."""

from __future__ import annotations

import pytest

from bot.commands import build_registry
from bot.commands.registry import closest
from bot.parser import ParseError, parse
from bot.ports.invocation import Scope

REGISTRY = build_registry()
SERVER_COMMANDS = (
    "backup, help, list, password, reboot, rebuild, reset, resize, shutdown, start, status, "
    "stop, task"
)
RESIZE_USAGE = "/server resize <vm> [cpu=N] [memory=SIZE] [disk=SIZE|+SIZE] [dry-run=yes|no]"
RESIZE_KEYS = "keys: cpu=, memory=, disk=, dry-run="
CREATE_USAGE = (
    "/admin server create <account> template=NAME cpu=N memory=SIZE disk=SIZE [node=NODE] "
    "[name=NAME] [dry-run=yes|no]"
)


def refusal(scope: Scope, text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(REGISTRY, scope, text)
    return caught.value


def test_a_misspelt_command_suggests_the_nearest_with_its_usage() -> None:
    assert str(refusal("server", "rezise 101 cpu=4")) == (
        f"command: expected one of {SERVER_COMMANDS}; got 'rezise' — did you mean resize?\n"
        f"usage: {RESIZE_USAGE}"
    )


@pytest.mark.parametrize(
    ("scope", "text", "meant"),
    [
        ("server", "reszie 101", "resize"),
        ("server", "Rezise 101", "resize"),
        ("server", "stauts 101", "status"),
        ("server", "shutdwon 101", "shutdown"),
        ("server", "lsit", "list"),
        ("server", "backup craete 101", "backup create"),
        ("server", "bakup list 101", "backup list"),
        ("admin", "server craete acme", "server create"),
        ("admin", "sever create acme", "server create"),
        ("admin", "node lst", "node list"),
        ("auth", "whomai", "whoami"),
    ],
)
def test_typos_of_every_kind_suggest_the_command_meant(scope: Scope, text: str, meant: str) -> None:
    error = refusal(scope, text)
    assert error.problem.endswith(f" — did you mean {meant}?")
    command = REGISTRY.find(scope, tuple(meant.split()))
    assert command is not None
    assert error.usage == command.usage()


def test_a_right_group_with_a_wrong_verb_lists_the_group() -> None:
    error = refusal("server", "backup craete 101")
    assert error.problem == (
        "expected one of backup create, backup delete, backup list, backup restore; "
        "got 'backup craete' — did you mean backup create?"
    )


@pytest.mark.parametrize(
    ("scope", "text", "problem"),
    [
        ("server", "frobnicate 101", f"expected one of {SERVER_COMMANDS}; got 'frobnicate'"),
        ("server", "xyz", f"expected one of {SERVER_COMMANDS}; got 'xyz'"),
        # the group is right, the verb is nothing like any of its verbs: no guess
        ("server", "backup 101", "expected one of backup create, backup delete, backup list, "
         "backup restore; got 'backup 101'"),
        ("server", "delete 101", f"expected one of {SERVER_COMMANDS}; got 'delete'"),
    ],
)  # fmt: skip
def test_nothing_close_suggests_nothing_and_shows_the_scopes_help(
    scope: Scope, text: str, problem: str
) -> None:
    error = refusal(scope, text)
    assert (error.argument, error.problem, error.usage) == ("command", problem, "/server help")


def test_a_misspelt_key_suggests_the_key_with_the_value_given() -> None:
    assert str(refusal("server", "resize 101 cpus=4")) == (
        f"cpus: is not an argument of resize; {RESIZE_KEYS} — did you mean cpu=4?\n"
        f"usage: {RESIZE_USAGE}"
    )


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("resize 101 memroy=8g", "memory=8G"),  # the value in its canonical form
        ("resize 101 Cpus=4", "cpu=4"),
        ("resize 101 dryrun=yes", "dry-run=yes"),
        ("resize 101 cpus=lots", "cpu="),  # a value the key refuses is not echoed
        ("resize 101 dsik=+20G", "disk=+20G"),
    ],
)
def test_the_suggested_key_carries_the_value_only_when_it_fits(text: str, suggestion: str) -> None:
    error = refusal("server", text)
    assert error.problem.endswith(f"; {RESIZE_KEYS} — did you mean {suggestion}?")
    assert error.usage == RESIZE_USAGE


def test_a_misspelt_key_of_an_admin_command() -> None:
    error = refusal("admin", "server create acme tempalte=ubuntu-24.04 cpu=2 memory=4G disk=40G")
    assert error.argument == "tempalte"
    assert error.problem.endswith(" — did you mean template=ubuntu-24.04?")
    assert error.usage == CREATE_USAGE


@pytest.mark.parametrize("text", ["resize 101 cores=4", "resize 101 size=40G", "resize 101 =4"])
def test_a_key_nothing_like_any_suggests_nothing(text: str) -> None:
    error = refusal("server", text)
    assert error.problem.endswith(f"is not an argument of resize; {RESIZE_KEYS}")


def test_closest_prefers_a_swapped_pair_of_letters_and_gives_up_when_far() -> None:
    names = ["reset", "resize", "restore"]
    # difflib's ratio alone rates "rezise" nearer "reset" (0.73) than "resize" (0.67)
    assert closest("rezise", names) == "resize"
    assert closest("REZISE", names) == "resize"
    assert closest("frobnicate", names) is None
    assert closest("x", names) is None
    assert closest("resize", []) is None
