"""``jotunheim`` command line: one subcommand per process kind, imported lazily.

Each target is ``module:function`` taking the remaining argv and returning an exit code, so
that starting one process kind never imports (or configures) the others.

A process that cannot start says why in one line naming the setting, and exits non-zero: a
setting missing, malformed or rejected by the service it is for (``ConfigError``: exit 2,
tokens included), or a Redis that does not answer (exit 1). The traceback would only bury
that line, so it is shown with ``--debug`` alone. Any other exception is a bug and keeps its
traceback. None of these lines carries a secret: settings errors never echo values, and
redis-py names only the host and port.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from bot.settings import ConfigError

DEBUG = "--debug"

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "simulator": ("proxmox.simulator.cli:main", "run the Proxmox VE simulator over HTTP"),
    "worker": ("bot.run.worker:main", "run an RQ worker (with scheduler) for Proxmox jobs"),
    "queue": ("bot.run.queue_cli:main", "show queue depth and failed jobs; retry one"),
    "console": ("bot.adapters.console:main", "type slash commands as a chosen identity"),
    "demo": ("bot.run.demo:main", "simulator + worker + console in one process"),
    "slack": ("bot.adapters.slack.cli:main", "run the Slack app (Socket Mode or HTTP)"),
    "discord": ("bot.adapters.discord.cli:main", "run the Discord bot; 'discord sync'"),
}


def usage() -> str:
    width = max(map(len, SUBCOMMANDS))
    rows = "\n".join(f"  {name:<{width}}  {help_}" for name, (_, help_) in SUBCOMMANDS.items())
    return (
        f"usage: jotunheim [{DEBUG}] <command> [options]\n\ncommands:\n{rows}\n\n"
        f"  {DEBUG}  with a start-up error, show its traceback too (anywhere on the line)\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG in args
    args = [a for a in args if a != DEBUG]  # before or after the command: no subcommand has it
    if not args or args[0] in {"-h", "--help", "help"}:
        sys.stdout.write(usage())
        return 0
    name, rest = args[0], args[1:]
    if name not in SUBCOMMANDS:
        sys.stderr.write(f"jotunheim: unknown command {name!r}\n\n{usage()}")
        return 2
    target: Callable[[list[str]], int] = _resolve(SUBCOMMANDS[name][0])
    try:
        return target(rest)
    except Exception as exc:
        problem = startup_problem(exc)
        if problem is None:
            raise
        if debug:
            traceback.print_exception(exc)
        line, code = problem
        sys.stderr.write(f"jotunheim {name}: {line}\n")
        return code


def startup_problem(exc: Exception) -> tuple[str, int] | None:
    """The one line and exit code for an exception that stops a process from starting (or
    running) for a reason in its environment; None for anything else."""
    if isinstance(exc, ConfigError):
        return str(exc), 2
    # Imported here: the simulator runs without Redis, and nothing else needs it loaded.
    from redis import exceptions  # noqa: PLC0415

    if isinstance(exc, exceptions.AuthenticationError):  # a subclass of ConnectionError
        return f"Redis refused the credentials in REDIS_URL: {exc}", 2
    if isinstance(exc, exceptions.ConnectionError | exceptions.TimeoutError):
        return f"cannot reach Redis (REDIS_URL): {exc}", 1
    return None


def _resolve(spec: str) -> Callable[[list[str]], int]:
    module_name, _, attr = spec.partition(":")
    func: Callable[[list[str]], int] = getattr(importlib.import_module(module_name), attr)
    return func


if __name__ == "__main__":
    raise SystemExit(main())
