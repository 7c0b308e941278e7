"""Settings, Block Kit rendering and the CLI's refusal to serve HTTP on a dev server."""

from __future__ import annotations

import json

import pytest

from bot.adapters.slack import cli
from bot.adapters.slack.blocks import action_id, action_name, render_blocks
from bot.adapters.slack.settings import SlackSettings
from bot.reply import Button, Reply
from bot.settings import ConfigError, load

TOKEN = "xoxb-123-456-secretpart"


def test_settings_from_environment_keep_secrets_out_of_reprs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-secret-value")
    monkeypatch.setenv("SLACK_MODE", "http")
    monkeypatch.setenv("SLACK_COMMAND_SERVER", "/vps")
    settings = load(SlackSettings)

    assert settings.commands() == {"/vps": "server", "/admin": "admin", "/auth": "auth"}
    assert TOKEN not in repr(settings)
    assert "signing-secret-value" not in repr(settings)
    settings.require_for_mode()


def test_each_mode_names_the_secret_it_cannot_run_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        load(SlackSettings).require_for_mode()
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        load(SlackSettings, mode="http").require_for_mode()


def test_bad_command_name_is_a_config_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_COMMAND_ADMIN", "admin")
    with pytest.raises(ConfigError, match="SLACK_COMMAND_ADMIN") as caught:
        load(SlackSettings)
    assert TOKEN not in str(caught.value)


def test_user_text_cannot_ping_the_channel_or_forge_links() -> None:
    reply = Reply(text="server <!channel> & <https://evil|bank>", code="a```b")
    text = json.dumps(render_blocks(reply))

    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil|bank&gt;" in text
    assert "a'''b" in text


def test_button_ids_round_trip_and_foreign_ids_are_ignored() -> None:
    button = Button(action="approve", value="apr-1", label="Approve", confirm="Sure?")
    [_, actions] = render_blocks(Reply(text="t", buttons=(button,)))
    element = actions["elements"][0]

    assert action_name(element["action_id"]) == "approve"
    assert element["action_id"] == action_id(0, button)
    assert element["confirm"]["text"]["text"] == "Sure?"
    assert "style" not in element
    assert action_name("someone_else:0:approve") is None
    assert action_name("jh:0:") is None


def test_oversized_text_is_clipped_to_slack_limits() -> None:
    blocks = render_blocks(
        Reply(text="x" * 5000, buttons=(Button(action="a", value="v", label="L" * 99),))
    )

    assert len(blocks[0]["text"]["text"]) == 3000
    assert len(blocks[1]["elements"][0]["text"]["text"]) == 75


def test_http_mode_without_a_production_server_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s")
    monkeypatch.setattr(cli, "_waitress_available", lambda: False)

    assert cli.main(["--mode", "http"]) == 2
    assert "waitress" in capsys.readouterr().err
