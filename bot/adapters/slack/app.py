"""The slack-bolt App: slash commands and our buttons, translated for the ``CommandHandler``.

``process_before_response=True``: the listener runs in the request thread and its ``ack``
is the HTTP response (or Socket Mode envelope reply), so a slash command is answered in the
time the handler takes (Redis only). Bolt's default mode would hand the listener to a thread
pool and poll for the ack, costing ~10 ms per request for nothing. Web API calls a click
needs (edit the approval, tell the clicker) run after the ack on ``Followups``.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient

from bot.adapters.after_ack import Followups
from bot.ports import ButtonClick, ClickResult, CommandHandler
from bot.ports.invocation import Scope
from bot.ports.notify import MessageRef
from bot.ports.reply import Reply

from .blocks import ACTION_PREFIX, message_payload
from .mapping import PayloadError, click_from_action, invocation_from_command
from .modals import REASON_CALLBACK, click_from_submission, reason_modal
from .notifier import SlackNotifier, build_client
from .responses import ResponseUrls
from .settings import SlackSettings

log = logging.getLogger(__name__)

FAILED = Reply(
    text="Something went wrong on our side; nothing was done. Please try again shortly.",
    tone="error",
)
FORM_FAILED = Reply(text="Slack did not open the form in time; nothing was done. Click again.")
MALFORMED = Reply(text="Slack sent an incomplete request; nothing was done.", tone="error")


@dataclass(frozen=True)
class SlackApp:
    bolt: App
    followups: Followups
    notifier: SlackNotifier


def build_app(
    handler: CommandHandler,
    settings: SlackSettings,
    *,
    client: WebClient | None = None,
    notifier: SlackNotifier | None = None,
    followups: Followups | None = None,
    responses: ResponseUrls | None = None,
    verify_token: bool = True,
) -> SlackApp:
    """The App for ``handler``; ``verify_token`` calls ``auth.test`` once, now, so a bad token
    fails at start-up rather than on a customer's first command."""
    client = client or build_client(settings.bot_token.get_secret_value(), settings.api_url)
    # Without a signing secret (Socket Mode) no HTTP request may pass: an unguessable one
    # rejects them all, where an empty secret would let anyone sign.
    secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
    bolt = App(
        client=client,
        signing_secret=secret or secrets.token_hex(32),
        process_before_response=True,
        token_verification_enabled=verify_token,
    )
    app = SlackApp(
        bolt=bolt,
        followups=followups or Followups(),
        notifier=notifier or SlackNotifier(client),
    )
    for name, scope in settings.commands().items():
        bolt.command(name)(_command_listener(handler, scope, responses))
    bolt.action(re.compile(f"^{ACTION_PREFIX}:"))(_action_listener(handler, app, responses))
    bolt.view(REASON_CALLBACK)(_reason_listener(handler, app))
    return app


def _command_listener(handler: CommandHandler, scope: Scope, responses: ResponseUrls | None) -> Any:
    def on_command(ack: Ack, body: dict[str, Any], request: BoltRequest) -> None:
        retry = request.headers.get("x-slack-retry-num")
        if retry:
            log.info("slack re-delivery %s of a %s command", retry[0], scope)
        try:
            invocation = invocation_from_command(body, scope)
            url = body.get("response_url")
            if responses is not None and isinstance(url, str) and url:
                # Before the handler: a worker may answer the request before the ack leaves.
                responses.remember(invocation.inbound_id, url)
            reply = handler.handle(invocation)
        except PayloadError as exc:
            log.warning("slack command payload rejected: %s", exc)
            reply = MALFORMED
        except Exception:
            log.exception("command handler failed for a %s command", scope)
            reply = FAILED
        ack(
            response_type="ephemeral" if reply.ephemeral else "in_channel", **message_payload(reply)
        )

    return on_command


def _action_listener(handler: CommandHandler, app: SlackApp, responses: ResponseUrls | None) -> Any:
    def on_action(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        ack()  # the HTTP response leaves when this function returns; Web API calls come after
        try:
            click = click_from_action(body, action)
        except PayloadError as exc:
            log.warning("slack click payload rejected: %s", exc)
            return
        if click is None:
            return
        url = body.get("response_url")
        if responses is not None and isinstance(url, str) and url:
            # A click that queues a read (the next page of the backups): its answer replaces
            # the clicked message through this URL, as a command's replaces its ack.
            responses.remember(click.inbound_id, url)
        result = _clicked(handler, click)
        on_ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
        if result.ask_reason is not None:
            # The trigger_id is good for 3 s: the one Web API call made before returning.
            modal = reason_modal(result.ask_reason, click, on_ephemeral=on_ephemeral)
            if _opened(app, str(body.get("trigger_id") or ""), modal):
                return
            result = ClickResult(to_clicker=FORM_FAILED)
        app.followups.submit(
            f"click {click.action}",
            lambda: _deliver_click(app.notifier, click, result, respond, on_ephemeral),
        )

    return on_action


def _reason_listener(handler: CommandHandler, app: SlackApp) -> Any:
    """The modal's submission: the click it was opened for, now with the reason."""

    def on_submit(ack: Ack, body: dict[str, Any]) -> None:
        ack()  # closes the modal; the decision is shown on the messages it changes
        try:
            click, on_ephemeral = click_from_submission(body)
        except PayloadError as exc:
            log.warning("slack view submission rejected: %s", exc)
            return
        result = _clicked(handler, click)
        respond = _no_response_url
        app.followups.submit(
            f"reason for {click.action}",
            lambda: _deliver_click(app.notifier, click, result, respond, on_ephemeral),
        )

    return on_submit


def _clicked(handler: CommandHandler, click: ButtonClick) -> ClickResult:
    try:
        return handler.click(click)
    except Exception:
        log.exception("click handler failed for %s", click.action)
        return ClickResult(to_clicker=FAILED)


def _opened(app: SlackApp, trigger_id: str, view: dict[str, Any]) -> bool:
    try:
        app.bolt.client.views_open(trigger_id=trigger_id, view=view)
    except Exception as exc:  # an expired trigger_id: the clicker is told to click again
        log.warning("slack views.open failed (%s)", type(exc).__name__)
        return False
    return True


def _no_response_url(**_: Any) -> None:
    """A modal's submission carries no response_url: an ephemeral message it should replace
    stays as it is (the clicker is told the outcome privately all the same)."""


def _deliver_click(
    notifier: SlackNotifier,
    click: ButtonClick,
    result: ClickResult,
    respond: Callable[..., Any],
    on_ephemeral: bool,
) -> None:
    """Replace the clicked message first (its buttons must go before anyone clicks again),
    then tell the clicker privately. A list's other page replaces the clicker's own
    ephemeral list in place (only its response URL can), and is all they are sent."""
    if result.in_place and on_ephemeral:
        respond(replace_original=True, **message_payload(result.to_clicker))
        return
    if result.replace_message is not None:
        if on_ephemeral or click.message_id is None:
            # An ephemeral message has no ts to edit: only its response_url can replace it.
            respond(replace_original=True, **message_payload(result.replace_message))
        else:
            ref = MessageRef(channel=click.channel, id=click.message_id)
            notifier.update(ref, result.replace_message)
    notifier.ephemeral(click.channel, click.identity.user, result.to_clicker)
