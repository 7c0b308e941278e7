"""The app manifest an admin pastes into Slack matches what the app serves."""

from __future__ import annotations

import json
from pathlib import Path

from bot.adapters.slack.settings import SlackSettings

MANIFEST = Path(__file__).resolve().parents[3] / "bot" / "adapters" / "slack" / "manifest.json"


def test_manifest_declares_the_commands_scopes_interactivity_and_socket_mode() -> None:
    manifest = json.loads(MANIFEST.read_text())
    defaults = SlackSettings(_env_file=None, bot_token="xoxb-test")

    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == list(defaults.commands())
    # Escaped, a mention arrives as <@U…|name> (the id a command needs), not as plain "@name".
    assert all(c["should_escape"] is True for c in manifest["features"]["slash_commands"])
    assert {"chat:write", "commands"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
