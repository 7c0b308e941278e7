"""Interaction tokens are part of Discord's URL paths (``/webhooks/{app}/{token}``,
``/interactions/{id}/{token}/callback``), and HTTP libraries log request URLs: httpx at INFO
on every request, discord.py at DEBUG. A filter on exactly those loggers rewrites the token
part of such a path before any handler formats the record; nothing else is dropped or
changed, and loggers of other libraries are not touched.
"""

from __future__ import annotations

import logging
import re

# The loggers that write request URLs (httpx._client, discord.http, discord.webhook.async_).
URL_LOGGERS = ("httpx", "discord.http", "discord.webhook.async_")
_TOKEN_PATH = re.compile(r"/(webhooks|interactions)/(\d+)/[^/?#\s\"'>]+")
REDACTED = "…"


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(rf"/\1/\2/{REDACTED}", text)


class TokenRedaction(logging.Filter):
    """Rewrites a record whose message contains a token path; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed record is logging's problem, not a token's
        safe = redact(message)
        if safe != message:
            record.msg, record.args = safe, None
        return True


def install_token_redaction() -> None:
    """Idempotent: every notifier and the bot process call it; one filter per logger."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenRedaction) for f in logger.filters):
            logger.addFilter(TokenRedaction())
