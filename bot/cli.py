"""``jotunheim`` command line: one subcommand per process kind, imported lazily.

Each target is ``module:function`` taking the remaining argv and returning an exit code, so
that starting one process kind never imports (or configures) the others.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence

from bot.settings import ConfigError

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
    return f"usage: jotunheim <command> [options]\n\ncommands:\n{rows}\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
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
    except ConfigError as exc:
        # One line naming the variable; the traceback would add nothing a user can act on.
        sys.stderr.write(f"jotunheim {name}: {exc}\n")
        return 2


def _resolve(spec: str) -> Callable[[list[str]], int]:
    module_name, _, attr = spec.partition(":")
    func: Callable[[list[str]], int] = getattr(importlib.import_module(module_name), attr)
    return func


if __name__ == "__main__":
    raise SystemExit(main())
