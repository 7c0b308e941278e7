"""The README's screenshots, captured: each flow run as a customer and an admin would run it,
through the real Slack harness (the bolt App on the mock Web API) and the real Discord
harness (the discord.py tree on the mock REST API), read back as the ordered payloads each
platform received: slash command acks, ``chat.postMessage``/``chat.update``/
``chat.postEphemeral`` bodies and response URLs on Slack; interaction responses and message
posts, edits and follow-ups on Discord.

The payloads repeat exactly from run to run where the code allows it: a fixed key prefix
(approval ids, request references and job ids derive from it and from the platform's event
ids), the simulator on a manual clock and the bot and worker on a ``FakeClock`` at the same
moment (task ids, backup names, "approved at 14:05"). What still differs — Discord's
interaction ids come from a process-wide counter, so the approval ids and references
derived from them depend on which tests ran before — ``normalised`` replaces before hashing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

import redis

from proxmox.simulator import Clock, Simulator
from proxmox.simulator.fleet import populate
from tests.support import discordbot, slackbot
from tests.support.chat import Shown
from tests.support.clock import FakeClock
from tests.support.conversation import Done, approver_for, find_value, placeholders_in
from tests.support.discord_fakes import ADMIN_ROLE
from tests.support.platforms import REGISTRY, ChatKit, W, perform

Platform = Literal["slack", "discord"]
PLATFORMS: tuple[Platform, ...] = ("slack", "discord")
CUSTOMER = "alice"
ADMIN = approver_for(CUSTOMER)
MOMENT = 1_773_151_500.0  # Tue 2026-03-10 14:05 UTC: every clock of a capture stands here
PREFIX = "shots"


@dataclass(frozen=True)
class Shot:
    """One picture per platform: what the customer types, in order (``<backup>`` is filled
    in from what the previous line showed)."""

    name: str
    title: str
    lines: tuple[str, ...]


SHOTS: tuple[Shot, ...] = (
    Shot("resize", "Resize with approval", ("/server resize 101 memory=8G disk=+20G",)),
    Shot("reboot", "Reboot", ("/server reboot 101",)),
    Shot(
        "restore",
        "Backup restore",
        ("/server backup list 101", "/server backup restore 101 <backup>"),
    ),
)


@dataclass(frozen=True)
class Delivery:
    """One payload a platform received (``how`` as ``Shown`` has it), or ``typed``: the line
    the customer typed, as a marker of where it was typed. ``pane``: whose view shows it (the
    customer's channel, or the admin channel where approvals go); ``only``: the one person
    who sees it; ``message``: the platform's id of the message it posts or edits."""

    how: str
    pane: Literal["customer", "admins"]
    only: str | None
    message: str | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class Capture:
    shot: Shot
    platform: Platform
    deliveries: tuple[Delivery, ...]
    names: Mapping[str, str]  # the platform's user and group ids → the names shown for them

    @property
    def stem(self) -> str:
        return f"{self.shot.name}-{self.platform}"

    def digest(self) -> str:
        """sha256 of the normalised payloads: what payloads.json records for the picture."""
        return hashlib.sha256(normalised(self.deliveries).encode()).hexdigest()


PANES = ("customer", "admins")


def by_pane(deliveries: tuple[Delivery, ...]) -> dict[str, list[dict[str, Any]]]:
    """What each pane shows: its messages in order, each with every version it had (and the
    lines typed there). Which of two panes heard first, or whether an edit came before or
    after a new message, is left out: the bot's after-ack posts, a click's response URL and
    the worker deliver from threads of their own, and those orders differ from run to run."""
    panes: dict[str, list[dict[str, Any]]] = {pane: [] for pane in PANES}
    edited: dict[tuple[str, str], dict[str, Any]] = {}
    for delivery in deliveries:
        found = edited.get((delivery.pane, delivery.message or ""))
        if delivery.how == "edit" and found is not None:
            found["frames"].append(delivery.payload)
            continue
        entry = {"how": delivery.how, "only": delivery.only, "message": delivery.message}
        panes[delivery.pane].append({**entry, "frames": [delivery.payload]})
        if delivery.message:
            edited[(delivery.pane, delivery.message)] = panes[delivery.pane][-1]
    return panes


# What differs between two captures of the same payloads, each replaced by a label numbered
# in order of first appearance (the same value gets the same label throughout a capture).
_VOLATILE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ts", re.compile(r"\b\d{10}\.\d{6}\b")),  # a Slack message ts
    ("snowflake", re.compile(r"\b\d{15,20}\b")),  # a Discord message id of the kit's
    ("nonce", re.compile(r"\b[0-9a-f]{25}\b")),  # a Discord nonce: a digest of the text
    ("id", re.compile(r"\b[0-9a-f]{16}\b")),  # an approval or confirmation id
    ("ref", re.compile(r"(?<=#)[a-z2-7]{4,12}\b")),  # a request's reference, #k3f9
    # any other message id (the mock Discord API's, a Slack ack's): numbered in the order of
    # the panes, not of the threads that posted
    ("message", re.compile(r'(?<="message": ")[^"<]+|(?<="message_id": ")[^"<]+')),
)
_UPID = re.compile(r"(UPID:[\w-]+):[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:")


def normalised(deliveries: tuple[Delivery, ...]) -> str:
    """Canonical JSON of what each pane shows (``by_pane``, keys sorted) where a Proxmox task
    id keeps its node, type and server but not its process id and start times
    (``UPID:pve1:…:qmreboot:101:…``), and each Slack ts, Discord message id or nonce,
    approval id, reference and other message id is replaced by its kind and the order it
    first appeared in (``<id:1>``, ``#<ref:2>``). A pane's messages are taken in a canonical
    order: a click's answer and the card the bot posts after the ack leave from threads of
    their own, so which arrives first differs from run to run; what each one says does not."""
    panes = by_pane(deliveries)
    for messages in panes.values():
        messages.sort(key=lambda m: _canonical(json.dumps(m, sort_keys=True, ensure_ascii=False)))
    return _canonical(json.dumps(panes, sort_keys=True, ensure_ascii=False))


def _canonical(text: str) -> str:
    text = _UPID.sub(r"\1:…:…:…:", text)
    for kind, pattern in _VOLATILE:
        labels: dict[str, str] = {}

        def label(found: re.Match[str], labels: dict[str, str] = labels, kind: str = kind) -> str:
            return labels.setdefault(found[0], f"<{kind}:{len(labels) + 1}>")

        text = pattern.sub(label, text)
    return text


def capture(shot: Shot, platform: Platform, client: redis.Redis) -> Capture:
    """Run ``shot`` on ``platform`` with a testbot of its own on ``client``."""
    sim = Simulator(clock=Clock.manual_at(MOMENT))
    with sim.lock:
        populate(sim.world)
    sim.time_scale = 0.0  # tasks end at once: tracking sees the outcome on its first look
    running = _KITS[platform]
    with running(client, f"{PREFIX}-{shot.name}", sim, FakeClock(start=MOMENT)) as kit:
        return Capture(shot, platform, tuple(_run(kit, shot)), _NAMES[platform])


def _run(kit: ChatKit[W], shot: Shot) -> Iterator[Delivery]:
    start, done = kit.mark(), None
    for typed in shot.lines:
        line = _filled(typed, done)
        yield Delivery("typed", "customer", CUSTOMER, None, {"text": line})
        mark = kit.mark()
        done = perform(kit, CUSTOMER, line)
        yield from (_delivery(kit, s) for s in kit.shown(since=mark) if s.payload is not None)
    assert kit.mark() > start, "the flow showed nothing"


def _filled(line: str, before: Done | None) -> str:
    """``line`` with each run-time value (``<backup>``) read from the previous answer."""
    command = max(
        (c for c in REGISTRY.commands if line.startswith(c.slash + " ")),
        key=lambda c: len(c.slash),
    )
    for placeholder in placeholders_in(command, line):
        assert before is not None, f"{line}: no earlier line shows {placeholder.written}"
        line = line.replace(placeholder.written, find_value(placeholder, before.text))
    return line


def _delivery(kit: ChatKit[W], shown: Shown) -> Delivery:
    assert shown.payload is not None
    pane: Literal["customer", "admins"]
    if shown.channel is not None:
        pane = "admins" if shown.channel == kit.admin_channel else "customer"
        assert pane == "admins" or shown.channel == kit.room(CUSTOMER), shown
    else:
        assert shown.only in (CUSTOMER, ADMIN), shown
        pane = "customer" if shown.only == CUSTOMER else "admins"
    payload = json.loads(json.dumps(shown.payload))  # a copy of plain JSON values
    return Delivery(shown.how, pane, shown.only, shown.message, payload)


Running = Callable[[redis.Redis, str, Simulator, FakeClock], AbstractContextManager[Any]]
_KITS: dict[Platform, Running] = {
    "slack": lambda client, prefix, sim, clock: slackbot.running_slackbot(
        client, prefix, sim=sim, clock=clock
    ),
    "discord": lambda client, prefix, sim, clock: discordbot.running_discordbot(
        client, prefix, sim=sim, clock=clock
    ),
}
_NAMES: dict[Platform, Mapping[str, str]] = {
    "slack": {**slackbot.NAMES, slackbot.ADMIN_GROUP: "admins"},
    "discord": {**discordbot.NAMES, str(ADMIN_ROLE): "admins"},
}


def capture_all(client: redis.Redis) -> list[Capture]:
    return [capture(shot, platform, client) for shot in SHOTS for platform in PLATFORMS]
