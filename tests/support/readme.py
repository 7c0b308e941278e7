"""README's command table, generated from the registry so that it cannot drift.

``python -m tests.support.readme`` rewrites the table between its markers in README.md;
tests/core/test_readme_commands.py fails when the README's table differs from this one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.commands import build_registry
from bot.commands.registry import Command

BEGIN = "<!-- commands: generated from the registry by `python -m tests.support.readme` -->"
END = "<!-- end of commands -->"
README = Path(__file__).resolve().parents[2] / "README.md"
_WHO = {"server": "customers, admins", "admin": "admins", "auth": "anyone"}


def _notes(command: Command) -> str:
    notes = [_WHO[command.scope]]
    if command.destructive:
        notes.append("confirm")
    if command.approval:
        notes.append("customers: approval")
    return "; ".join(notes)


def _usage(command: Command) -> str:
    # Every mutating command takes dry-run=yes and every list page=N; the text above the
    # table says so once.
    usage = command.usage().replace(" [dry-run=yes|no]", "").replace(" [page=N]", "")
    return usage.replace("|", "&#124;")


def command_table() -> str:
    rows = [f"| `{_usage(c)}` | {c.summary} | {_notes(c)} |" for c in build_registry().commands]
    return "\n".join([BEGIN, "| command | what it does | who |", "|---|---|---|", *rows, END])


def table_in(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def main() -> int:
    text = README.read_text(encoding="utf-8")
    README.write_text(text.replace(table_in(text), command_table()), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
