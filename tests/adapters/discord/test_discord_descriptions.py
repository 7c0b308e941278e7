"""Every description in the Discord tree generated from the registry fits Discord's 100
characters whole: a help text with what is expected when both fit, never a cut sentence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.adapters.discord.bot import JotunheimBot
from bot.adapters.discord.catalog import MAX_DESCRIPTION, command_spec, default_specs, option_spec
from bot.adapters.discord.gateway import Gateway
from bot.commands import build_registry
from bot.commands.argtypes import NOTE
from bot.commands.registry import Arg, Command
from bot.ports.invocation import Scope
from tests.support.discord_fakes import GUILD
from tests.support.fake_handler import FakeHandler

REGISTRY = build_registry()


@pytest.fixture(scope="module")
def tree() -> dict[str, dict[str, Any]]:
    gateway = Gateway(FakeHandler(), guild_ids=[GUILD])
    bot = JotunheimBot(gateway, default_specs(), application_id=99, guild_ids=[GUILD])
    return {c.name: c.to_dict(bot.tree) for c in bot.tree.get_commands()}


def described(node: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
    """(where, description) of a command and of everything under it."""
    yield where, node["description"]
    for option in node.get("options", ()):
        yield from described(option, f"{where} {option['name']}")


def found(scope: Scope, *path: str) -> Command:
    command = REGISTRY.find(scope, path)
    assert command is not None, path
    return command


def subcommand(tree: dict[str, dict[str, Any]], command: Command) -> dict[str, Any]:
    node = tree[command.scope]
    for word in command.path:
        node = next(o for o in node["options"] if o["name"] == word)
    return node


def test_every_description_in_the_tree_fits(tree: dict[str, dict[str, Any]]) -> None:
    every = [pair for name, root in tree.items() for pair in described(root, name)]
    # The whole tree: the scope groups, subgroups, every command and every argument.
    assert len(every) > sum(1 + len(c.args) for c in REGISTRY.commands)
    too_long = {where: len(text) for where, text in every if len(text) > MAX_DESCRIPTION}
    assert too_long == {}
    assert all(text.strip() for _, text in every)


@pytest.mark.parametrize("command", REGISTRY.commands, ids=lambda c: c.slash)
def test_descriptions_are_the_registry_texts_whole(
    tree: dict[str, dict[str, Any]], command: Command
) -> None:
    node = subcommand(tree, command)
    assert node["description"] == command.summary
    shown = {o["name"]: o["description"] for o in node.get("options", ())}
    assert set(shown) == {a.name for a in command.args}
    for arg in command.args:
        assert shown[arg.name] in (arg.help, f"{arg.help} ({arg.type.expected})"), arg.name


def test_the_two_that_were_cut_mid_sentence_now_read_whole(
    tree: dict[str, dict[str, Any]],
) -> None:
    task = subcommand(tree, found("server", "task"))
    queue = subcommand(tree, found("admin", "queue"))
    assert task["options"][0]["description"] == (
        "a request's #reference from a reply, or a Proxmox task id (UPID)"
    )
    assert queue["options"][0]["description"] == (
        "a failed job to put back on its queue (from /admin queue)"
    )


def test_a_user_picker_does_not_describe_typing_an_id(tree: dict[str, dict[str, Any]]) -> None:
    link = subcommand(tree, found("admin", "link"))
    [user] = [o for o in link["options"] if o["name"] == "user"]
    assert user["type"] == 6
    assert user["description"] == "the chat user, in this workspace"


def test_a_help_text_too_long_for_discord_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="argument note: 101 characters"):
        option_spec(Arg("note", NOTE, "x" * 101))
    with pytest.raises(ValueError, match="/server frob: 101 characters"):
        command_spec(Command("server", ("frob",), "y" * 101))
