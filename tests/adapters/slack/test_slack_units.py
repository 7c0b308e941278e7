"""Settings, Block Kit rendering, and HTTP mode behind waitress."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from bot.adapters.slack import cli
from bot.adapters.slack.app import build_app
from bot.adapters.slack.blocks import action_id, action_name, render_blocks
from bot.adapters.slack.settings import SlackSettings
from bot.ports.reply import Button, Reply
from bot.settings import ConfigError, load
from tests.support import slack_api
from tests.support.fake_handler import FakeHandler
from tests.support.slack_api import MockSlackApi

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


def test_oversized_text_is_split_to_slack_limits_and_labels_are_clipped() -> None:
    blocks = render_blocks(
        Reply(text="x" * 5000, buttons=(Button(action="a", value="v", label="L" * 99),))
    )

    # Nothing of the text is lost: it runs on in a second section.
    assert [len(b["text"]["text"]) for b in blocks[:2]] == [3000, 2000]
    assert len(blocks[2]["elements"][0]["text"]["text"]) == 75


def test_http_mode_serves_signed_requests_through_waitress() -> None:
    with MockSlackApi() as api:
        chosen = slack_api.settings(api, host="127.0.0.1", port=0)
        app = build_app(FakeHandler(), chosen)
        server = cli.http_server(app, chosen)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.effective_port}/slack/events"
            body = slack_api.command_body("status 101")
            ok = httpx.post(url, content=body, headers=slack_api.signed_headers(body))
            forged_headers = {**slack_api.signed_headers(body), "X-Slack-Signature": "v0=00"}
            forged = httpx.post(url, content=body, headers=forged_headers)
        finally:
            server.close()
            thread.join(timeout=5)
            app.followups.shutdown()
    assert ok.status_code == 200
    assert "ok: status 101" in ok.text
    assert forged.status_code == 401
