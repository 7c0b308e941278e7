"""Buttons that survive a restart: one ``DynamicItem`` class matches every custom_id we
render (``jh:<action>:<value>``), so no view state has to be kept in memory.

Registered once at start (``client.add_dynamic_items(HandlerButton)``); a click is routed
to the ``Gateway`` the client carries, which asks the handler (the handler re-validates the
id and decides once, atomically, so a second click changes nothing).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord

from bot.adapters.discord.render import BUTTON_STYLES, CUSTOM_ID_TEMPLATE, custom_id
from bot.ports.reply import Button, Reply

log = logging.getLogger(__name__)

_STYLES = {value: discord.ButtonStyle(value) for value in BUTTON_STYLES.values()}


class ClickRunner(Protocol):
    """What a click is handed to: the ``Gateway`` the client carries (declared here so the
    gateway, which renders these buttons, and the buttons do not import each other)."""

    async def run_click(
        self, interaction: discord.Interaction[Any], action: str, value: str
    ) -> None: ...


class HandlerButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=CUSTOM_ID_TEMPLATE
):
    def __init__(
        self, action: str, value: str, *, label: str = "", style: int = 2, disabled: bool = False
    ) -> None:
        button = Button(action=action, value=value, label=label or action)
        super().__init__(
            discord.ui.Button(
                label=button.label,
                style=_STYLES.get(style, discord.ButtonStyle.secondary),
                custom_id=custom_id(button),
                disabled=disabled,
            )
        )
        self.action = action
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],  # noqa: ARG003  (discord.py passes it)
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> HandlerButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        style = item.style.value if isinstance(item, discord.ui.Button) else 2
        return cls(match["action"], match["value"], label=label or "", style=style)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        gateway: ClickRunner | None = getattr(interaction.client, "gateway", None)
        if gateway is None:
            log.error("button %s clicked on a client without a gateway", self.action)
            return
        await gateway.run_click(interaction, self.action, self.value)


def view_of(reply: Reply) -> discord.ui.View | None:
    """The reply's buttons as dynamic items (no timeout: they must outlive the process)."""
    if not reply.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in reply.buttons[:25]:
        view.add_item(
            HandlerButton(
                button.action, button.value, label=button.label, style=BUTTON_STYLES[button.style]
            )
        )
    return view
