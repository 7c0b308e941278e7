"""The form a click asks for first (Deny: why?), as a Discord modal.

A modal must be the interaction's first response, so the gateway sends it straight from the
click (the handler's Redis work takes milliseconds). Its submission is an interaction of its
own, carrying the clicked message; it finishes the same click with the reason typed, and
its answer replaces that message like a click's would.

discord.py keeps an open modal in memory until it is submitted: a bot restarted between the
two loses it, Discord tells the admin the form failed, and clicking Deny again opens a new one.
"""

from __future__ import annotations

from typing import Any, Protocol

import discord

from bot.ports import ReasonPrompt

_TITLE_LIMIT = 45
_LABEL_LIMIT = 45
_PLACEHOLDER_LIMIT = 100
_CUSTOM_ID_LIMIT = 100


class ReasonRunner(Protocol):
    """What a submitted reason is handed to: the ``Gateway`` (declared here so the gateway,
    which opens these modals, and the modals do not import each other)."""

    async def run_reason(
        self, interaction: discord.Interaction[Any], action: str, value: str, reason: str
    ) -> None: ...


class ReasonModal(discord.ui.Modal):
    def __init__(self, prompt: ReasonPrompt, runner: ReasonRunner) -> None:
        custom_id = f"jh-reason:{prompt.action}:{prompt.value}"[:_CUSTOM_ID_LIMIT]
        super().__init__(title=_clip(prompt.title, _TITLE_LIMIT), timeout=None, custom_id=custom_id)
        self.reason: discord.ui.TextInput[ReasonModal] = discord.ui.TextInput(
            label=_clip(prompt.label, _LABEL_LIMIT),
            style=discord.TextStyle.paragraph,
            placeholder=_clip(prompt.placeholder, _PLACEHOLDER_LIMIT) or None,
            max_length=prompt.max_length,
            custom_id="reason",
        )
        self.add_item(self.reason)
        self._prompt = prompt
        self._runner = runner

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        prompt = self._prompt
        await self._runner.run_reason(interaction, prompt.action, prompt.value, self.reason.value)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
