"""README's command list is the registry's: a new or changed command fails until the README
says so (regenerate with ``python -m tests.support.readme``)."""

from __future__ import annotations

from tests.support.readme import README, command_table, table_in


def test_readme_lists_every_command_as_the_registry_declares_it() -> None:
    assert table_in(README.read_text(encoding="utf-8")) == command_table()
