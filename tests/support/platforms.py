"""What the Slack and Discord kits share: the people, what each person saw (rebuilt from the
calls the mock chat API recorded, so it is what the platform was sent, not what the handler
meant), and doing a command as a person does it: type it, confirm when asked, have another
admin approve, let the worker finish.

A kit wraps a ``TestBot`` (``core``) whose handler and worker post through the platform's
real notifier; ``core`` still answers everything about Proxmox, Redis and the worker.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Generic, Protocol, TypeVar

from bot.commands import build_registry
from bot.ports.reply import Button
from tests.support.chat import Shown
from tests.support.conversation import Done, approver_for, find_value, placeholders_in
from tests.support.testbot import ADMINS, TestBot

REGISTRY = build_registry()
PEOPLE = ("alice", "gina", *ADMINS)


class OnMessage(Protocol):
    """Where a button can be clicked: the message showing it (a platform id)."""

    @property
    def message(self) -> str: ...


W = TypeVar("W", bound=OnMessage)


class ChatKit(ABC, Generic[W]):
    """A platform in front of ``core``: subclasses type, click and rebuild what was shown."""

    admin_channel: str

    def __init__(self, core: TestBot) -> None:
        self.core = core
        self._shown: list[Shown] = []
        self._clickable: dict[Button, W] = {}
        self._replaced: dict[Button, W] = {}  # buttons on messages edited since
        self._joined: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    # -- what a person does -----------------------------------------------------------------
    @abstractmethod
    def send(self, user: str, line: str) -> None:
        """Type ``line`` (``/server resize 101 cpu=4``) as ``user`` in their room."""

    @abstractmethod
    def _click(self, user: str, button: Button, where: W) -> None: ...

    @abstractmethod
    def answer_form(self, user: str, text: str) -> None:
        """Type ``text`` into the form a click opened for ``user`` (Deny: why?) and send it."""

    @abstractmethod
    def room(self, user: str) -> str:
        """The channel this person types in (its platform id)."""

    def press(
        self,
        user: str,
        action: str,
        *,
        since: int = 0,
        stale: bool = False,
        label: str | None = None,
    ) -> None:
        """Click the newest ``action`` button this person was shown that is still clickable
        (only one labelled ``label`` when given: a list's Next rather than its Previous).

        ``stale``: one on a message that has been edited since, which a client that has not
        redrawn it yet still shows (two admins clicking Approve at the same moment)."""
        clickable = self._replaced if stale else self._clickable
        for shown in reversed(self.seen(user, since=since)):
            for button in shown.reply.buttons:
                if label is not None and button.label != label:
                    continue
                if button.action == action and button in clickable:
                    self._click(user, button, clickable[button])
                    return
        raise AssertionError(f"{user} was shown no {action} button to click")

    def join(self, user: str, channel: str) -> None:
        """``user`` is in ``channel`` too (a customer invited to the admin channel): they see
        what is posted there and can click it; being there makes no one an admin."""
        self._joined.setdefault(user, set()).add(channel)

    def settle(self) -> None:
        """Run the real worker until it has nothing left, then read what it posted."""
        self.core.settle()
        self._collect()

    @abstractmethod
    def _collect(self) -> None:
        """Turn the API calls recorded since the last look into ``Shown`` entries."""

    # -- what people saw --------------------------------------------------------------------
    def channels_of(self, user: str) -> set[str]:
        admin = {self.admin_channel} if user in ADMINS else set()
        return {self.room(user), *admin, *self._joined.get(user, ())}

    def seen(self, user: str, *, since: int = 0) -> list[Shown]:
        channels = self.channels_of(user)
        with self._lock:
            entries = self._shown[since:]
        return [s for s in entries if s.only == user or (s.only is None and s.channel in channels)]

    def shown(self, *, since: int = 0) -> list[Shown]:
        """Everything shown to anyone since ``since``, in order (each with its payload)."""
        with self._lock:
            return self._shown[since:]

    def shows(self, user: str, action: str, *, since: int = 0) -> bool:
        return any(
            b.action == action for s in self.seen(user, since=since) for b in s.reply.buttons
        )

    def mark(self) -> int:
        with self._lock:
            return len(self._shown)

    @abstractmethod
    def public_payloads(self) -> list[str]:
        """Every payload the platform was sent that more than one person can read."""

    # -- for subclasses ---------------------------------------------------------------------
    def _show(self, shown: Shown, where: W | None = None) -> None:
        """Record what was shown; a message that is edited loses the buttons it showed."""
        with self._lock:
            self._shown.append(shown)
            if shown.message is not None:
                gone = [b for b, w in self._clickable.items() if w.message == shown.message]
                for button in gone:
                    self._replaced[button] = self._clickable.pop(button)
            if where is not None:
                self._clickable.update(dict.fromkeys(shown.reply.buttons, where))


def perform(kit: ChatKit[W], actor: str, line: str) -> Done:
    """``conversation.perform`` on a platform: type ``line``; confirm if asked; approve (as
    another admin) if it waits for approval; run the worker until nothing is left."""
    mark = kit.mark()
    kit.send(actor, line)
    if kit.shows(actor, "confirm", since=mark):
        kit.press(actor, "confirm", since=mark)
    approver = approver_for(actor)
    if kit.shows(approver, "approve", since=mark):
        kit.press(approver, "approve", since=mark)
    kit.settle()
    return Done(line, actor, kit.seen(actor, since=mark))


def fill_placeholders(kit: ChatKit[W], line: str, actor: str) -> str:
    """Put run-time values (``<backup>``) in ``line`` by running, on the platform, the
    command the registry names as yielding each, and reading the value from its answer."""
    command = max(
        (c for c in REGISTRY.commands if line.startswith(c.slash + " ")),
        key=lambda c: len(c.slash),
    )
    for placeholder in placeholders_in(command, line):
        done = perform(kit, actor, placeholder.yielded_by)
        line = line.replace(placeholder.written, find_value(placeholder, done.text))
    return line
