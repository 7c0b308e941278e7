"""``jotunheim slack``: run the Slack app in Socket Mode or HTTP mode.

Socket Mode (``SLACK_APP_TOKEN``) needs no public endpoint. HTTP mode serves bolt's WSGI
adapter behind a production WSGI server, never bolt's development server: ``waitress`` when
it is installed (``pip install waitress``), or any WSGI server pointed at the factory, e.g.
``gunicorn 'bot.adapters.slack.cli:wsgi_app()'``. ``--dev-server`` uses the standard
library's threaded wsgiref server, for trying things locally only (no timeouts, no limits).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIServer, make_server

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.ports import CommandHandler
from bot.settings import load

from .app import SlackApp, build_app
from .followups import AfterAck, Followups
from .notifier import SlackNotifier, build_client
from .settings import SlackSettings

NO_SERVER = (
    "HTTP mode needs a production WSGI server: pip install waitress, or run e.g. "
    "gunicorn 'bot.adapters.slack.cli:wsgi_app()' (or --dev-server for local tests only)\n"
)


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    overrides: dict[str, Any] = {"mode": args.mode} if args.mode else {}
    if args.port:
        overrides["port"] = args.port
    settings = load(SlackSettings, **overrides)
    settings.require_for_mode()
    if settings.mode == "http" and not args.dev_server and not _waitress_available():
        sys.stderr.write(NO_SERVER)
        return 2
    app = compose(settings)
    try:
        if settings.mode == "socket":
            app_token = settings.app_token.get_secret_value() if settings.app_token else ""
            handler = SocketModeHandler(app.bolt, app_token=app_token)
            handler.start()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
        else:
            serve_http(app, settings, dev=args.dev_server)
    finally:
        app.followups.shutdown()
    return 0


def compose(settings: SlackSettings) -> SlackApp:
    """Client, notifiers, the real command handler and the App, wired once per process."""
    client = build_client(settings.bot_token.get_secret_value(), settings.api_url)
    notifier = SlackNotifier(client)
    handler = _command_handler(AfterAck(notifier, Followups(workers=1)), settings)
    return build_app(handler, settings, client=client, notifier=notifier)


def wsgi_app() -> SlackRequestHandler:
    """WSGI factory for external servers: ``gunicorn 'bot.adapters.slack.cli:wsgi_app()'``."""
    settings = load(SlackSettings, mode="http")
    settings.require_for_mode()
    return SlackRequestHandler(compose(settings).bolt, path=settings.path)


def serve_http(app: SlackApp, settings: SlackSettings, *, dev: bool) -> None:
    wsgi = SlackRequestHandler(app.bolt, path=settings.path)
    if dev:
        server = make_server(settings.host, settings.port, wsgi, server_class=_ThreadingWSGIServer)
        sys.stderr.write(
            f"development server on {settings.host}:{settings.port}, not for production\n"
        )
        server.serve_forever()
        return
    serve: Callable[..., None] = importlib.import_module("waitress").serve
    serve(wsgi, host=settings.host, port=settings.port, threads=settings.http_threads)


def _command_handler(notifier: AfterAck, settings: SlackSettings) -> CommandHandler:
    """The real handler (policy, Redis, RQ from the environment); ``SLACK_ADMIN_CHANNEL``,
    when set, wins over ``JOTUNHEIM_ADMIN_CHANNEL_SLACK``."""
    # Imported here: composing reads policy and Redis settings and imports RQ, which only the
    # running process needs (and `jotunheim slack --help` must not).
    from bot.compose import compose_bot  # noqa: PLC0415
    from bot.settings.policy import PolicySettings  # noqa: PLC0415

    overrides = {"admin_channel_slack": settings.admin_channel} if settings.admin_channel else {}
    return compose_bot(notifier, settings=load(PolicySettings, **overrides))


def _waitress_available() -> bool:
    return importlib.util.find_spec("waitress") is not None


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jotunheim slack", description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["socket", "http"], help="overrides SLACK_MODE")
    parser.add_argument("--port", type=int, help="HTTP mode port (overrides SLACK_PORT)")
    parser.add_argument(
        "--dev-server", action="store_true", help="HTTP mode on the stdlib server (local only)"
    )
    return parser
