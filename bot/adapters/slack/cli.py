"""``jotunheim slack``: run the Slack app in Socket Mode or HTTP mode.

Socket Mode (``SLACK_APP_TOKEN``) needs no public endpoint. HTTP mode serves bolt's WSGI
adapter with waitress, a production WSGI server (never bolt's development server); any other
WSGI server can serve the factory instead: ``gunicorn 'bot.adapters.slack.cli:wsgi_app()'``.

At start-up Redis must answer (a PING; ``bot.cli`` prints redis-py's error in one line) and
Slack must accept both tokens (else a ``ConfigError`` names the variable, never its value).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.error import URLError

import waitress
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.adapters.after_ack import AfterAck, Followups
from bot.ports import CommandHandler
from bot.settings import ConfigError, load

from .app import SlackApp, build_app
from .notifier import SlackNotifier, build_client
from .responses import ResponseUrls
from .settings import SlackSettings

# What Slack answers for a token it does not take (anything else is Slack's own trouble).
REJECTED = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
     "not_allowed_token_type"}
)  # fmt: skip


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    overrides: dict[str, Any] = {"mode": args.mode} if args.mode else {}
    if args.port:
        overrides["port"] = args.port
    settings = load(SlackSettings, **overrides)
    settings.require_for_mode()
    app = compose(settings)
    try:
        if settings.mode == "socket":
            app_token = settings.app_token.get_secret_value() if settings.app_token else ""
            handler = SocketModeHandler(app.bolt, app_token=app_token)
            with _start_up("SLACK_APP_TOKEN", "apps.connections.open", settings):
                handler.start()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
        else:
            http_server(app, settings).run()
    finally:
        app.followups.shutdown()
    return 0


def compose(settings: SlackSettings) -> SlackApp:
    """Client, notifiers, the real command handler and the App, wired once per process."""
    client = build_client(settings.bot_token.get_secret_value(), settings.api_url)
    notifier = SlackNotifier(client, cards=settings.cards)  # a waiting request's card too
    handler, responses = _command_handler(AfterAck(notifier, Followups(workers=1)))
    with _start_up("SLACK_BOT_TOKEN", "auth.test", settings):
        return build_app(handler, settings, client=client, notifier=notifier, responses=responses)


@contextmanager
def _start_up(variable: str, method: str, settings: SlackSettings) -> Iterator[None]:
    """Slack's refusal of ``variable`` (or no Slack at all) while ``method`` is called, as a
    ``ConfigError`` naming the variable and Slack's error code."""
    try:
        yield
    except BoltError as exc:  # bolt wraps the SlackApiError of its own auth.test
        if not isinstance(exc.__context__, SlackApiError):
            raise
        raise _refused(variable, method, exc.__context__) from exc
    except SlackApiError as exc:
        raise _refused(variable, method, exc) from exc
    except URLError as exc:
        raise ConfigError(
            f"cannot reach Slack at {settings.api_url} (SLACK_API_URL): {exc.reason}"
        ) from exc


def _refused(variable: str, method: str, exc: SlackApiError) -> ConfigError:
    error = str(exc.response.get("error") or f"HTTP {exc.response.status_code}")
    if error in REJECTED:
        return ConfigError(f"Slack rejected {variable} ({method}: {error})")
    return ConfigError(f"Slack could not check {variable} ({method}: {error})")


def wsgi_app() -> SlackRequestHandler:
    """WSGI factory for external servers: ``gunicorn 'bot.adapters.slack.cli:wsgi_app()'``."""
    settings = load(SlackSettings, mode="http")
    settings.require_for_mode()
    return SlackRequestHandler(compose(settings).bolt, path=settings.path)


def http_server(app: SlackApp, settings: SlackSettings) -> Any:
    """A waitress server for the App (``.run()`` serves, ``.close()`` stops; port 0 picks a
    free one, read back from ``.effective_port``)."""
    wsgi = SlackRequestHandler(app.bolt, path=settings.path)
    return waitress.create_server(
        wsgi, host=settings.host, port=settings.port, threads=settings.http_threads
    )


def _command_handler(notifier: AfterAck) -> tuple[CommandHandler, ResponseUrls]:
    """The real handler (policy, Redis, RQ from the environment); approvals go to
    ``JOTUNHEIM_ADMIN_CHANNEL_SLACK``. Commands' response URLs are kept on the same Redis."""
    # Imported here: composing reads policy and Redis settings and imports RQ, which only the
    # running process needs (and `jotunheim slack --help` must not).
    from bot.compose import bot_redis, compose_bot  # noqa: PLC0415
    from bot.settings.policy import PolicySettings  # noqa: PLC0415
    from bot.settings.redis import RedisSettings  # noqa: PLC0415

    policy = load(PolicySettings)
    client = bot_redis(load(RedisSettings).url)
    client.ping()  # no Redis, no app: every command would answer "the queue is unavailable"
    responses = ResponseUrls(client, prefix=policy.redis_prefix)
    return compose_bot(notifier, settings=policy, client=client), responses


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jotunheim slack", description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["socket", "http"], help="overrides SLACK_MODE")
    parser.add_argument("--port", type=int, help="HTTP mode port (overrides SLACK_PORT)")
    return parser
