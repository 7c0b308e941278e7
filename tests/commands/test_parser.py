"""The text form: declared keys only, strict values, errors that name the argument and show
usage; no input crashes the parser and every accepted input round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.parser import ParseError, format_command, parse

REGISTRY = build_registry()
RESIZE_USAGE = "/server resize <vm> [cpu=N] [memory=SIZE] [disk=SIZE|+SIZE] [dry-run=yes|no]"


def test_resize_parses_to_typed_values() -> None:
    parsed = parse(REGISTRY, "server", "resize 101 cpu=4 memory=8G disk=+20G")
    assert parsed.command.name == "resize"
    assert parsed.present() == {"vm": "101", "cpu": 4, "memory": 8192, "disk": "+20G"}


def test_server_by_name_and_quoted_values() -> None:
    parsed = parse(REGISTRY, "server", 'backup create Web1 note="before the upgrade"')
    assert parsed.present() == {"vm": "web1", "note": "before the upgrade"}


@pytest.mark.parametrize(
    ("text", "argument", "expected"),
    [
        ("resize 101 memory=8G,delete=scsi0", "memory", "expected a size like 512M"),
        ("resize 101;rm -rf", "vm", "expected a server VMID"),
        ("resize ../ cpu=2", "vm", "expected a server VMID"),
        ("resize 101 cpu=0", "cpu", "expected a whole number from 1 to 64"),
        ("resize 101 disk=-5G", "disk", "expected a disk size"),
        ("resize 101 delete=scsi0", "delete", "is not an argument of resize"),
        ("resize 101 cpu=2 cpu=3", "cpu", "given twice"),
        ("resize 101", "cpu", "at least one of cpu=, memory=, disk="),
        ("resize cpu=2", "vm", "missing"),
        ("resize 101 102 cpu=2", "102", "unexpected"),
        ("rebuild 101 template=../../etc", "template", "expected a template name"),
    ],
)
def test_errors_name_the_argument_and_show_usage(text: str, argument: str, expected: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(REGISTRY, "server", text)
    assert caught.value.argument == argument
    assert expected in caught.value.problem
    assert str(caught.value).endswith("usage: " + caught.value.usage)
    if text.startswith("resize"):
        assert caught.value.usage == RESIZE_USAGE


def test_unknown_command_and_unbalanced_quotes() -> None:
    with pytest.raises(ParseError, match="expected one of backup, help, list"):
        parse(REGISTRY, "server", "frobnicate 101")
    with pytest.raises(ParseError, match="balanced quotes"):
        parse(REGISTRY, "server", 'backup create 101 note="oops')


def test_admin_only_commands_are_not_in_the_client_scope() -> None:
    with pytest.raises(ParseError):
        parse(REGISTRY, "server", "server delete 101")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80), st.sampled_from(["server", "admin", "auth"]))
def test_no_input_crashes_the_parser_and_accepted_input_round_trips(text: str, scope: str) -> None:
    try:
        parsed = parse(REGISTRY, scope, text)  # type: ignore[arg-type]
    except ParseError:
        return
    assert parse(REGISTRY, scope, format_command(parsed)) == parsed  # type: ignore[arg-type]


_WORDS = st.sampled_from(
    [
        "resize",
        "101",
        "web1",
        "cpu=4",
        "memory=8G",
        "memory=1536M",
        "disk=+20G",
        "disk=40G",
        "dry-run=yes",
        "backup",
        "create",
        "note='a b'",
        "reboot",
        "stop",
        "=",
        "cpu=",
        "x=y",
        '"',
        "help",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=6))
def test_command_shaped_input_round_trips(words: list[str]) -> None:
    text = " ".join(words)
    try:
        parsed = parse(REGISTRY, "server", text)
    except ParseError:
        return
    again = parse(REGISTRY, "server", format_command(parsed))
    assert again == parsed
    assert format_command(again) == format_command(parsed)
