"""The command registry, as data: three scopes (client ``/server``, ``/admin``, ``/auth``)."""

from __future__ import annotations

from bot.commands import admin, auth, client
from bot.commands.registry import Registry


def build_registry() -> Registry:
    return Registry(client.COMMANDS + admin.COMMANDS + auth.COMMANDS)
