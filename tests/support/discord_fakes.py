"""Test kit: spec'd fakes of discord.py objects and payload builders that drive the real
command tree and view store (used by tests/adapters/discord and bench/discord_bench.py).

Every fake uses ``__slots__`` whose names must exist on the discord.py class it stands in
for (``tests/adapters/discord/test_discord_fakes.py`` checks that, and that fake methods
take only parameter names the real methods take), so a typo in the adapter
(``interaction.respones``) fails a test instead of passing against a lenient fake.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.adapters.discord.render import components_of
from bot.ports.reply import Reply

GUILD = 1111
OTHER_GUILD = 2222
CHANNEL = 3333
ADMIN_CHANNEL = 4444
ADMIN_ROLE = 5555
_ids = itertools.count(900_000_000_000_000_001)


class FakeRole:
    __slots__ = ("id",)

    def __init__(self, role_id: int) -> None:
        self.id = role_id


class FakeUser:
    """A ``discord.User``: what a DM interaction carries (no roles)."""

    __slots__ = ("display_name", "id", "mention")

    def __init__(self, user_id: int, name: str = "someone") -> None:
        self.id = user_id
        self.display_name = name
        self.mention = f"<@{user_id}>"


class FakeMember:
    """A ``discord.Member``: a guild interaction's user, with its roles."""

    __slots__ = ("display_name", "id", "mention", "roles")

    def __init__(self, user_id: int, name: str = "someone", roles: tuple[int, ...] = ()) -> None:
        self.id = user_id
        self.display_name = name
        self.mention = f"<@{user_id}>"
        self.roles = [FakeRole(GUILD), *(FakeRole(r) for r in roles)]  # @everyone has the guild id


class FakeMessage:
    """A ``discord.Message`` with real component objects, as a click delivers it."""

    __slots__ = ("components", "flags", "id")

    def __init__(
        self, message_id: int, reply: Reply | list[dict[str, Any]], *, ephemeral: bool = False
    ) -> None:
        """From a reply as the bot renders it, or from the components a REST post sent;
        ``ephemeral``: a response only the person who ran the command sees."""
        rows = components_of(reply) if isinstance(reply, Reply) else reply
        self.id = message_id
        self.flags = discord.MessageFlags(ephemeral=ephemeral)
        self.components = [discord.ActionRow(row) for row in rows]  # type: ignore[arg-type]


@dataclass
class Sent:
    """One call the adapter made on the response or the follow-up webhook."""

    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.kwargs.get("content") or "")


class FakeResponse:
    """A ``discord.InteractionResponse``: enforces "respond once" like Discord does."""

    __slots__ = ("_calls", "_responded")

    def __init__(self, calls: list[Sent]) -> None:
        self._calls = calls
        self._responded = False

    def is_done(self) -> bool:
        return self._responded

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self._respond(Sent("defer", {"ephemeral": ephemeral, "thinking": thinking}))

    async def send_message(self, content: Any = None, **kwargs: Any) -> None:
        self._respond(Sent("send_message", {"content": content, **kwargs}))

    async def edit_message(self, **kwargs: Any) -> None:
        self._respond(Sent("edit_message", kwargs))

    async def send_modal(self, modal: discord.ui.Modal, /) -> None:
        self._respond(Sent("send_modal", {"modal": modal}))

    async def autocomplete(self, choices: list[discord.app_commands.Choice[Any]]) -> None:
        self._respond(Sent("autocomplete", {"choices": list(choices)}))

    def _respond(self, sent: Sent) -> None:
        if self._responded:
            raise discord.InteractionResponded(None)  # type: ignore[arg-type]
        self._responded = True
        self._calls.append(sent)


class FakeWebhook:
    """``interaction.followup`` (a ``discord.Webhook``)."""

    __slots__ = ("_calls",)

    def __init__(self, calls: list[Sent]) -> None:
        self._calls = calls

    async def send(self, content: Any = None, **kwargs: Any) -> None:
        self._calls.append(Sent("followup.send", {"content": content, **kwargs}))


class FakeInteraction:
    """A ``discord.Interaction`` as the tree and the view store read it."""

    __slots__ = (
        "_calls",
        "_cs_command",
        "_cs_namespace",
        "_state",
        "channel_id",
        "client",
        "command_failed",
        "data",
        "followup",
        "guild",
        "guild_id",
        "id",
        "message",
        "response",
        "token",
        "type",
        "user",
    )

    def __init__(
        self,
        client: discord.Client,
        *,
        kind: discord.InteractionType,
        data: dict[str, Any],
        user: FakeMember | FakeUser,
        guild_id: int | None,
        channel_id: int = CHANNEL,
        message: FakeMessage | None = None,
    ) -> None:
        self._calls: list[Sent] = []
        self._state = client._connection
        self.client = client
        self.type = kind
        self.data = data
        self.user = user
        self.guild_id = guild_id
        self.guild = None
        self.channel_id = channel_id
        self.message = message
        self.id = next(_ids)
        self.token = f"interaction-token-{self.id}"
        self.command_failed = False
        self.response = FakeResponse(self._calls)
        self.followup = FakeWebhook(self._calls)

    async def edit_original_response(self, **kwargs: Any) -> None:
        self._calls.append(Sent("edit_original_response", kwargs))

    @property
    def sent(self) -> list[Sent]:
        return list(self._calls)


def options_payload(path: list[str], values: dict[str, Any], focused: str | None = None) -> Any:
    """Nested subcommand options as Discord sends them: ``["backup", "list"]`` + values."""
    leaf = [
        {
            "name": k,
            "type": _option_type(v),
            "value": v,
            **({"focused": True} if k == focused else {}),
        }
        for k, v in values.items()
    ]
    options: list[dict[str, Any]] = leaf
    for depth, word in reversed(list(enumerate(path))):
        kind = 1 if depth == len(path) - 1 else 2
        options = [{"name": word, "type": kind, "options": options}]
    return options


def command_data(
    root: str,
    path: list[str],
    values: dict[str, Any],
    *,
    guild_id: int | None,
    focused: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "1",
        "name": root,
        "type": 1,
        "options": options_payload(path, values, focused),
    }
    if guild_id is not None and root == "admin":
        data["guild_id"] = str(guild_id)  # guild commands carry their guild
    return data


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    return 4 if isinstance(value, int) else 3


async def run_command(
    client: Any,
    root: str,
    path: list[str],
    values: dict[str, Any],
    *,
    user: FakeMember | FakeUser,
    guild_id: int | None = GUILD,
    channel_id: int = CHANNEL,
) -> FakeInteraction:
    data = command_data(root, path, values, guild_id=guild_id)
    return await call_command(client, data, user=user, guild_id=guild_id, channel_id=channel_id)


async def call_command(
    client: Any,
    data: dict[str, Any],
    *,
    user: FakeMember | FakeUser,
    guild_id: int | None,
    channel_id: int,
) -> FakeInteraction:
    """Deliver a slash command's interaction data through discord.py's own tree."""
    interaction = FakeInteraction(
        client,
        kind=discord.InteractionType.application_command,
        data=data,
        user=user,
        guild_id=guild_id,
        channel_id=channel_id,
    )
    await client.tree._call(interaction)
    return interaction


async def run_autocomplete(
    client: Any,
    root: str,
    path: list[str],
    values: dict[str, Any],
    focused: str,
    *,
    user: FakeMember | FakeUser,
    guild_id: int | None = GUILD,
) -> FakeInteraction:
    data = command_data(root, path, values, guild_id=guild_id, focused=focused)
    interaction = FakeInteraction(
        client, kind=discord.InteractionType.autocomplete, data=data, user=user, guild_id=guild_id
    )
    await client.tree._call(interaction)
    return interaction


async def click(
    client: discord.Client,
    message: FakeMessage,
    custom_id: str,
    *,
    user: FakeMember | FakeUser,
    guild_id: int | None = GUILD,
    channel_id: int = ADMIN_CHANNEL,
) -> FakeInteraction:
    """Deliver a button click the way the gateway does: through the client's view store.
    ``channel_id``: where the message is (approvals are in the admin channel; a customer
    confirms in their own)."""
    interaction = FakeInteraction(
        client,
        kind=discord.InteractionType.component,
        data={"custom_id": custom_id, "component_type": 2},
        user=user,
        guild_id=guild_id,
        channel_id=channel_id,
        message=message,
    )
    client._connection._view_store.dispatch_view(2, custom_id, interaction)  # type: ignore[arg-type]
    current = asyncio.current_task()
    await asyncio.gather(*(t for t in asyncio.all_tasks() if t is not current))
    return interaction


async def submit_modal(
    client: discord.Client,
    modal: discord.ui.Modal,
    values: dict[str, str],
    *,
    user: FakeMember | FakeUser,
    message: FakeMessage | None,
    guild_id: int | None = GUILD,
    channel_id: int = ADMIN_CHANNEL,
) -> FakeInteraction:
    """Fill in and send a modal the adapter opened, the way the gateway delivers it: Discord's
    client keeps the modal it sent in the view store, which routes the submission to it."""
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": text}]}
        for key, text in values.items()
    ]
    interaction = FakeInteraction(
        client,
        kind=discord.InteractionType.modal_submit,
        data={"custom_id": modal.custom_id, "components": rows},
        user=user,
        guild_id=guild_id,
        channel_id=channel_id,
        message=message,
    )
    client._connection.store_view(modal)
    store = client._connection._view_store
    store.dispatch_modal(modal.custom_id, interaction, rows, {})  # type: ignore[arg-type]
    current = asyncio.current_task()
    await asyncio.gather(*(t for t in asyncio.all_tasks() if t is not current))
    return interaction
