"""Discord adapter: slash commands, persistent approval buttons, worker-side REST notifier.

Importing the package imports nothing from discord.py, so that workers can use the REST
notifier (``notifier.py``, httpx only) without loading the gateway client.
"""
