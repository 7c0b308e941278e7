"""The fakes may only use names the real discord.py classes have: a typo in the adapter
must fail against them, not pass."""

from __future__ import annotations

import inspect

import discord
import pytest

from tests.support.discord_fakes import (
    FakeInteraction,
    FakeMember,
    FakeMessage,
    FakeResponse,
    FakeRole,
    FakeUser,
    FakeWebhook,
)

PAIRS = [
    (FakeInteraction, discord.Interaction),
    (FakeResponse, discord.InteractionResponse),
    (FakeWebhook, discord.Webhook),
    (FakeMember, discord.Member),
    (FakeUser, discord.User),
    (FakeRole, discord.Role),
    (FakeMessage, discord.Message),
]
_INTERNAL = {"_calls", "_responded"}  # the fakes' own recording state


@pytest.mark.parametrize(("fake", "real"), PAIRS)
def test_fake_attributes_exist_on_the_real_class(fake: type, real: type) -> None:
    names = set(getattr(fake, "__slots__", ())) - _INTERNAL
    names |= {n for n, v in vars(fake).items() if callable(v) and not n.startswith("_")}
    missing = sorted(n for n in names if not hasattr(real, n))
    assert missing == []


@pytest.mark.parametrize(("fake", "real"), PAIRS)
def test_fake_methods_take_only_real_parameter_names(fake: type, real: type) -> None:
    for name, method in vars(fake).items():
        if name.startswith("_") or not inspect.isfunction(method):
            continue
        real_params = set(inspect.signature(getattr(real, name)).parameters)
        fake_params = {
            p.name
            for p in inspect.signature(method).parameters.values()
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        }
        assert fake_params <= real_params, name


def test_a_misspelt_attribute_fails_on_the_fake() -> None:
    client = discord.Client(intents=discord.Intents.none())
    interaction = FakeInteraction(
        client,
        kind=discord.InteractionType.application_command,
        data={},
        user=FakeUser(1),
        guild_id=None,
    )
    with pytest.raises(AttributeError):
        interaction.respones  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError):
        interaction.guild_idd = 1  # type: ignore[attr-defined]
