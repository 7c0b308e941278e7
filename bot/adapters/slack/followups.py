"""Slack's name for the shared after-the-ack machinery (``bot.adapters.after_ack``): the Slack
app runs its response edits on ``Followups`` and hands the command handler an ``AfterAck``.
Kept so the Slack modules, tests and benches import it where they always did."""

from __future__ import annotations

from bot.adapters.after_ack import AfterAck, Followups

__all__ = ["AfterAck", "Followups"]
