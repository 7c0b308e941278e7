"""Slack adapter: slash commands and buttons in, Block Kit out, task updates from workers.

Translation only: every decision is the injected ``CommandHandler``'s. Nothing here is built
at import time; ``app.build_app`` and ``notifier.SlackNotifier`` are the entry points.
"""
