"""The testbot behind Discord: the real ``discord.py`` command tree generated from the
registry (``JotunheimBot``, ``Gateway``) driven with the adapter kit's synthetic
interactions, buttons clicked through the client's view store, the bot's and the worker's
notifiers the real REST ``DiscordNotifier`` on the local mock Discord API, and what each
person saw rebuilt from the interaction responses and the REST calls that mock recorded.

People: ``alice`` (acme) and ``gina`` (globex) are guild members typing in a channel of
their own; the admins ``boss`` and ``root`` hold the admin role and sit in the admin channel.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import discord
import httpx
import redis
from pydantic import SecretStr

from bot.adapters.after_ack import AfterAck, Followups
from bot.adapters.discord.bot import JotunheimBot
from bot.adapters.discord.cards import CardPlace
from bot.adapters.discord.catalog import default_specs
from bot.adapters.discord.gateway import Gateway
from bot.adapters.discord.notifier import DiscordNotifier, worker_notifier
from bot.adapters.discord.render import EPHEMERAL_FLAG, TONE_COLOURS, TONE_ICONS, custom_id
from bot.adapters.discord.spec import CommandSpec, OptionSpec
from bot.adapters.discord.tokens import InteractionTokens
from bot.ports.invocation import Identity
from bot.ports.reply import Button, Reply, ReplyField, Tone
from proxmox.simulator import Simulator
from tests.support.chat import Shown
from tests.support.clock import FakeClock
from tests.support.discord_api import APP_ID, BOT_TOKEN, Call, MockDiscordApi, Scripted
from tests.support.discord_fakes import (
    ADMIN_CHANNEL,
    ADMIN_ROLE,
    CHANNEL,
    GUILD,
    FakeInteraction,
    FakeMember,
    FakeMessage,
    call_command,
    click,
    command_data,
    submit_modal,
)
from tests.support.platforms import PEOPLE, ChatKit
from tests.support.testbot import ADMINS, CUSTOMERS, TestBot, running_testbot

USER_IDS = {name: 40 + n for n, name in enumerate(PEOPLE)}
NAMES = {str(user_id): name for name, user_id in USER_IDS.items()}
ROOMS = {name: 3000 + n for n, name in enumerate(PEOPLE)}
SPECS = {spec.qualified: spec for spec in default_specs()}
_TONES: dict[int, Tone] = {colour: tone for tone, colour in TONE_COLOURS.items()}
_CUSTOM_ID = re.compile(r"jh:(?P<action>[^:]+):(?P<value>.+)")
_message_ids = itertools.count(800_000_000_000_000_001)


@dataclass(frozen=True)
class Picked:
    """Someone chosen in a user option. Discord sends the option as their id (type 6) and
    the user (and, in a guild, the member) under ``resolved``; ``resolved=False`` leaves
    that out, as Discord may, so discord.py hands the command a bare ``discord.Object``."""

    id: int
    name: str
    resolved: bool = True


def with_picks(data: dict[str, Any], *, in_guild: bool) -> dict[str, Any]:
    """``data`` (from ``command_data``) with each ``Picked`` value sent as Discord sends a
    user option."""
    resolved: dict[str, dict[str, Any]] = {"users": {}, "members": {}}
    options: list[dict[str, Any]] = data["options"]
    while options and "options" in options[0]:  # down the subcommand (group) levels
        options = options[0]["options"]
    for option in options:
        picked = option["value"]
        if not isinstance(picked, Picked):
            continue
        option.update(type=6, value=str(picked.id))
        if not picked.resolved:
            continue
        user = {"id": str(picked.id), "username": picked.name, "discriminator": "0",
                "global_name": None, "avatar": None}  # fmt: skip
        resolved["users"][str(picked.id)] = user
        if in_guild:
            resolved["members"][str(picked.id)] = {
                "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "flags": 0,
                "nick": None, "avatar": None, "deaf": False, "mute": False,
            }  # fmt: skip
    if resolved["users"]:
        data["resolved"] = {k: v for k, v in resolved.items() if v}
    return data


async def run_command_picking(
    client: Any,
    root: str,
    path: list[str],
    values: dict[str, Any],
    *,
    user: FakeMember,
    guild_id: int | None = GUILD,
    channel_id: int = CHANNEL,
) -> FakeInteraction:
    """``discord_fakes.run_command``, where a ``Picked`` value is a user option."""
    data = with_picks(
        command_data(root, path, values, guild_id=guild_id), in_guild=guild_id is not None
    )
    return await call_command(client, data, user=user, guild_id=guild_id, channel_id=channel_id)


def member(user: str) -> FakeMember:
    roles = (ADMIN_ROLE,) if user in ADMINS else ()
    return FakeMember(USER_IDS[user], user, roles=roles)


@dataclass(frozen=True)
class OnDiscord:
    """A message showing buttons, as a click delivers it, and who can see it."""

    channel: int
    message: str
    components: list[dict[str, Any]]
    only: str | None


class DiscordKit(ChatKit[OnDiscord]):
    admin_channel = str(ADMIN_CHANNEL)

    def __init__(self, core: TestBot, api: MockDiscordApi, bot: JotunheimBot, posts: Followups):
        super().__init__(core)
        self.api = api
        self.bot = bot
        self._posts = posts  # the bot's AfterAck posts (approval requests, decision notices)
        self._read = 0
        self._responses: list[str] = []  # interaction responses everyone in a channel reads
        self._token_owner: dict[str, str] = {}
        self.interactions: list[FakeInteraction] = []  # every command and click, answered
        self._originals: dict[str, str] = {}  # an interaction token → its first answer's id
        self.forms: dict[str, tuple[discord.ui.Modal, OnDiscord]] = {}  # open modals, by person

    def room(self, user: str) -> str:
        return str(ROOMS[user])

    def send(self, user: str, line: str) -> None:
        root, path, values = discord_options(line)
        interaction = asyncio.run(
            run_command_picking(
                self.bot, root, path, values, user=member(user), channel_id=ROOMS[user]
            )
        )
        # Discord keeps an interaction's token alive for 15 minutes after the command.
        self.api.live_tokens.add(interaction.token)
        self._token_owner[interaction.token] = user
        self.interactions.append(interaction)
        self._shown_in(interaction, user, clicked=None)
        self._wait_and_collect()

    async def fire(self, user: str, line: str, *, channel: int) -> FakeInteraction:
        """Type ``line`` in ``channel`` and return the answered interaction, without waiting
        for what follows it or reading what was shown (run many at once with
        ``asyncio.gather``). ``settle`` then runs the worker; what the platform was sent is
        in ``api``."""
        root, path, values = discord_options(line)
        interaction = await run_command_picking(
            self.bot, root, path, values, user=member(user), channel_id=channel
        )
        self.api.live_tokens.add(interaction.token)
        self._token_owner[interaction.token] = user
        self.interactions.append(interaction)
        return interaction

    def _click(self, user: str, button: Button, where: OnDiscord) -> None:
        message = FakeMessage(int(where.message), where.components, ephemeral=bool(where.only))
        interaction = asyncio.run(
            click(self.bot, message, custom_id(button), user=member(user), channel_id=where.channel)
        )
        self._token_owner[interaction.token] = user  # a click may start a request of its own
        if where.only:  # its @original is the clicked ephemeral message (a list's next page)
            self._originals.setdefault(interaction.token, where.message)
        self.interactions.append(interaction)
        self._shown_in(interaction, user, clicked=where)
        self._wait_and_collect()

    def answer_form(self, user: str, text: str) -> None:
        """Type ``text`` into the form Discord opened for ``user`` and press Submit."""
        modal, where = self.forms.pop(user)
        message = FakeMessage(int(where.message), where.components)
        interaction = asyncio.run(
            submit_modal(
                self.bot, modal, {"reason": text}, user=member(user), message=message,
                channel_id=where.channel,
            )
        )  # fmt: skip
        self.interactions.append(interaction)
        self._shown_in(interaction, user, clicked=where)
        self._wait_and_collect()

    def public_payloads(self) -> list[str]:
        # DMs, ephemeral follow-ups and edits of an ephemeral answer reach one person;
        # /users/@me/channels only opens a DM.
        shared = [
            json.dumps(c.body)
            for c, _ in self.api.answered
            if c.method in ("POST", "PATCH")
            and not re.search(r"/channels/dm|/users/@me", c.path)
            and not c.body.get("flags", 0) & EPHEMERAL_FLAG
            and not self._edits_an_ephemeral(c.path)
        ]
        return self._responses + shared

    def _edits_an_ephemeral(self, path: str) -> bool:
        found = re.search(r"/webhooks/\d+/([^/?]+)/messages/@original$", path)
        return found is not None and found[1] in self._originals

    # -- Discord's side ---------------------------------------------------------------------
    def _wait_and_collect(self) -> None:
        self._posts.wait()  # the handler's own posts go out after the interaction is answered
        self._collect()

    def _shown_in(self, interaction: FakeInteraction, user: str, clicked: OnDiscord | None) -> None:
        """The interaction's answers: sent to the person or the channel, or an edit of the
        clicked message."""
        for sent in interaction.sent:
            kwargs = sent.kwargs
            if sent.method == "defer":
                continue
            if sent.method == "send_modal":
                assert clicked is not None, "a modal opens from a click here"
                self.forms[user] = (sent.kwargs["modal"], clicked)
                continue
            payload = interaction_payload(kwargs)
            reply, components = rest_reply(payload), payload["components"]
            if sent.method in ("edit_message", "edit_original_response"):
                assert clicked is not None, sent
                edit = replace(_edit_of(clicked, reply), payload=payload)
                self._show(edit, replace(clicked, components=components))
                continue
            message = str(next(_message_ids))
            if kwargs.get("ephemeral"):
                payload["flags"] = EPHEMERAL_FLAG  # how Discord receives an ephemeral response
                shown = Shown("reply", reply, only=user, message=message, payload=payload)
                self._originals.setdefault(interaction.token, message)
            else:
                self._responses.append(json.dumps(payload))
                channel = str(interaction.channel_id)
                shown = Shown("post", reply, channel=channel, message=message, payload=payload)
            self._show(shown, OnDiscord(interaction.channel_id, message, components, shown.only))

    def _collect(self) -> None:
        while self._read < len(self.api.answered):
            call, answer = self.api.answered[self._read]
            self._read += 1
            if answer.status == 200:
                self._shown_by(call, answer)

    def _shown_by(self, call: Call, answer: Scripted) -> None:
        path, body = call.path.removeprefix("/api/v10"), call.body
        reply = rest_reply(body)
        if posted := re.fullmatch(r"/channels/(\w+)/messages", path):
            channel, message = posted[1], str(answer.body["id"])
            if channel.startswith("dm"):
                only = NAMES[channel.removeprefix("dm")]
                where = OnDiscord(int(channel[2:]), message, body.get("components") or [], only)
                self._show(Shown("private", reply, only=only, message=message, payload=body), where)
                return
            where = OnDiscord(int(channel), message, body.get("components") or [], None)
            self._show(Shown("post", reply, channel=channel, message=message, payload=body), where)
        elif edited := re.fullmatch(r"/channels/(\w+)/messages/(\d+)", path):
            if edited[1].startswith("dm"):  # a DM: only its one person sees the edit
                only = NAMES[edited[1].removeprefix("dm")]
                self._show(Shown("edit", reply, only=only, message=edited[2], payload=body))
                return
            shown = Shown("edit", reply, channel=edited[1], message=edited[2], payload=body)
            self._show(shown)
        elif original := re.fullmatch(rf"/webhooks/{APP_ID}/([^/?]+)/messages/@original", path):
            # The command's own ephemeral answer, replaced: still only its invoker sees it.
            owner, message = self._token_owner[original[1]], self._originals[original[1]]
            where = OnDiscord(int(self.room(owner)), message, body.get("components") or [], owner)
            self._show(Shown("edit", reply, only=owner, message=message, payload=body), where)
        elif edited := re.fullmatch(rf"/webhooks/{APP_ID}/([^/?]+)/messages/(\d+)", path):
            # An ephemeral follow-up (a card), edited: still only its invoker sees it.
            owner = self._token_owner[edited[1]]
            where = OnDiscord(int(self.room(owner)), edited[2], body.get("components") or [], owner)
            self._show(Shown("edit", reply, only=owner, message=edited[2], payload=body), where)
        elif followup := re.fullmatch(rf"/webhooks/{APP_ID}/([^/?]+)", path.split("?")[0]):
            owner, message = self._token_owner[followup[1]], str(answer.body["id"])
            where = OnDiscord(int(self.room(owner)), message, body.get("components") or [], owner)
            if body.get("flags", 0) & EPHEMERAL_FLAG:
                shown = Shown("private", reply, only=owner, message=message, payload=body)
            else:
                shown = Shown(
                    "post", reply, channel=self.room(owner), message=message, payload=body
                )
            self._show(shown, where)


def _edit_of(clicked: OnDiscord, reply: Reply) -> Shown:
    """The clicked message, edited: seen by whoever could see it."""
    channel = None if clicked.only else str(clicked.channel)
    return Shown("edit", reply, channel=channel, only=clicked.only, message=clicked.message)


def discord_options(line: str) -> tuple[str, list[str], dict[str, Any]]:
    """What a person fills in Discord's form for a typed line: the command (the longest
    registered path), each option by its Discord name, numbers and yes/no as such."""
    words = shlex.split(line)
    root = words[0].removeprefix("/")
    depth = max(n for n in (1, 2, 3) if " ".join([root, *words[1 : 1 + n]]) in SPECS)
    spec = SPECS[" ".join([root, *words[1 : 1 + depth]])]
    return root, words[1 : 1 + depth], _values(spec, words[1 + depth :])


def _values(spec: CommandSpec, words: list[str]) -> dict[str, Any]:
    positional = iter(o for o in spec.options if o.positional)
    named = {o.name: o for o in spec.options}
    values: dict[str, Any] = {}
    for word in words:
        key, sep, text = word.partition("=")
        option = named[key] if sep and key in named else next(positional)
        values[option.name] = _typed(option, text if sep and key in named else word)
    return values


def _typed(option: OptionSpec, text: str) -> Any:
    if option.kind == "int":
        return int(text)
    if option.kind == "bool":
        return text in ("yes", "true")
    if option.kind == "user":  # the form offers the guild's members: a person is picked
        if text not in USER_IDS:
            raise AssertionError(f"{text!r} is no member of the guild to pick")
        return Picked(USER_IDS[text], text)
    return text


def interaction_payload(kwargs: dict[str, Any]) -> dict[str, Any]:
    """An interaction response (content, ``discord.Embed``s, a view) as the JSON Discord
    would be sent."""
    view = kwargs.get("view")
    return {
        "content": kwargs.get("content"),
        "embeds": [e.to_dict() for e in kwargs.get("embeds") or ()],
        "components": view.to_components() if view is not None else [],
    }


def rest_reply(body: dict[str, Any]) -> Reply:
    """A REST message body read back into a ``Reply``: content, the embed's code block,
    fields and colour, and the buttons that can still be clicked."""
    embed: dict[str, Any] = next(iter(body.get("embeds") or ()), {})
    description = str(embed.get("description") or "")
    code = description.removeprefix("```\n").removesuffix("\n```") if description else None
    buttons = [
        _button(c)
        for row in body.get("components") or ()
        for c in row.get("components", ())
        if not c.get("disabled")
    ]
    content = str(body.get("content") or "")
    title = None
    tone = _TONES.get(int(embed.get("color") or 0))
    if content.startswith("**") and "**\n" in content:  # a heading (see render.content_of)
        heading, _, content = content.removeprefix("**").partition("**\n")
        icon = next((t for t, i in TONE_ICONS.items() if i and heading.startswith(i)), None)
        if icon is not None:  # the tone heads the heading
            heading, tone = heading.removeprefix(TONE_ICONS[icon]), tone or icon
        title = re.sub(r"\\(.)", r"\1", heading)
    return Reply(
        title=title,
        text=content,
        fields=tuple(
            ReplyField(label=f["name"], value=f["value"]) for f in embed.get("fields", ())
        ),
        code=code,
        buttons=tuple(buttons),
        tone=tone or "info",
    )


def _button(component: dict[str, Any]) -> Button:
    found = _CUSTOM_ID.fullmatch(str(component["custom_id"]))
    assert found, component
    return Button(action=found["action"], value=found["value"], label=str(component["label"]))


DISCORD_POLICY: dict[str, object] = {
    "admin_roles_discord": frozenset({str(ADMIN_ROLE)}),
    "admin_channel_discord": str(ADMIN_CHANNEL),
    "admin_role_discord": str(ADMIN_ROLE),
}


def _notifier(
    api: MockDiscordApi,
    tokens: InteractionTokens,
    http: httpx.Client,
    cards: CardPlace,
    *,
    worker: bool = False,
) -> DiscordNotifier:
    """The bot's notifier, or (``worker``) the one ``jotunheim worker`` builds."""
    return (worker_notifier if worker else DiscordNotifier)(
        http,
        bot_token=SecretStr(BOT_TOKEN),
        application_id=APP_ID,
        api_base=api.base,
        tokens=tokens,
        cards=cards,
    )


@contextmanager
def running_discordbot(
    client: redis.Redis,
    prefix: str,
    *,
    sim: Simulator | None = None,
    clock: FakeClock | None = None,
    cards: CardPlace = "ephemeral",
    policy: Mapping[str, object] | None = None,
    worker: Mapping[str, object] | None = None,
    as_worker_runs: bool = False,
) -> Iterator[DiscordKit]:
    """The testbot behind the discord.py client, composed as ``jotunheim discord`` composes
    it: the handler posts through ``AfterAck``; the worker's notifier finds the interaction
    tokens the gateway remembered in Redis (same prefix) for private follow-ups. ``sim`` and
    ``clock``, ``policy`` and ``worker``: the testbot's (a manual clock for payloads that
    repeat exactly). ``cards``: where requests' cards go (``JOTUNHEIM_CARDS_DISCORD``;
    production's default). ``as_worker_runs``: the worker's notifier is the one ``jotunheim
    worker`` builds (rate limits of channel messages reported at once, one edit of a message
    a second); without it, one that waits out a 429 and edits as often as asked, as the flows
    (and the README screenshots rendered from them) were recorded with."""
    api = MockDiscordApi()
    api.start()
    tokens = InteractionTokens(client, prefix=prefix)
    posts = Followups(workers=1, name="discord-after-ack")
    bot_http, worker_http = httpx.Client(timeout=5), httpx.Client(timeout=5)
    try:
        with running_testbot(
            client,
            prefix,
            sim=sim,
            clock=clock,
            policy={**DISCORD_POLICY, **(policy or {})},
            worker=worker,
            notifier=AfterAck(_notifier(api, tokens, bot_http, cards), posts),
            worker_notifier=_notifier(api, tokens, worker_http, cards, worker=as_worker_runs),
        ) as core:
            for user, account in CUSTOMERS.items():
                identity = Identity(
                    platform="discord", workspace=str(GUILD), user=str(USER_IDS[user])
                )
                core.handler.stores.identities.link(identity, account)
            gateway = Gateway(core.handler, guild_ids=[GUILD], tokens=tokens)
            bot = JotunheimBot(gateway, default_specs(), application_id=APP_ID, guild_ids=[GUILD])
            yield DiscordKit(core, api, bot, posts)
    finally:
        posts.shutdown()
        bot_http.close()
        worker_http.close()
        api.stop()
