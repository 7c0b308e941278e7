"""The import direction of ARCHITECTURE.md, checked on the source (a rule nobody tests rots).

bot/adapters → bot → bot/commands → jobs → actions → proxmox. Only adapters know a chat
platform; actions and proxmox never know the bot; jobs use only the bot's leaf modules.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "discord")
# The Notifier port and the replies it carries (issue 4: the port is on the bot's side).
JOBS_MAY_USE = {"bot.ports.reply", "bot.ports.notify", "bot.ports.invocation", "bot.ports.clock"}
# The registry is data: it may use the bot's leaf modules and the registry's own types,
# never the dispatcher, policy or stores that use it.
COMMANDS_MAY_USE = JOBS_MAY_USE | {"bot.ports.audit", "bot.commands.registry", "bot.commands"}
# Process entry points assemble everything, so they may reach down into adapters.
ENTRY_POINTS = {"bot/cli.py", "bot/run/demo.py", "bot/run/demo_script.py"}


def imports_of(path: Path) -> set[str]:
    """Absolute module names imported by a file; relative imports are resolved against the
    file's own package, so ``from .x import y`` cannot slip past a rule."""
    found: set[str] = set()
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module.split(".") if node.module else ())))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def sources(package: str) -> list[Path]:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no sources under {package}/"
    return files


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("package", ["proxmox", "actions"])
def test_lower_layers_never_import_the_bot_or_jobs(package: str) -> None:
    bad = {
        rel(path): sorted(m for m in imports_of(path) if under(m, "bot") or under(m, "jobs"))
        for path in sources(package)
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_proxmox_does_not_import_actions() -> None:
    bad = {
        rel(p): sorted(m for m in imports_of(p) if under(m, "actions")) for p in sources("proxmox")
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_jobs_use_only_the_bots_leaf_modules() -> None:
    bad = {}
    for path in sources("jobs"):
        used = {m for m in imports_of(path) if under(m, "bot")}
        wrong = sorted(m for m in used if not any(under(m, leaf) for leaf in JOBS_MAY_USE))
        if wrong:
            bad[rel(path)] = wrong
    assert bad == {}


def test_only_adapters_import_platform_sdks() -> None:
    bad = {}
    for package in ("bot", "actions", "proxmox", "jobs"):
        for path in sources(package):
            if rel(path).startswith("bot/adapters/"):
                continue
            sdks = sorted(m for m in imports_of(path) if any(under(m, s) for s in PLATFORM_SDKS))
            if sdks:
                bad[rel(path)] = sdks
    assert bad == {}


def test_core_bot_does_not_import_adapters() -> None:
    bad = {}
    for path in sources("bot"):
        name = rel(path)
        if name.startswith("bot/adapters/") or name in ENTRY_POINTS:
            continue
        adapters = sorted(m for m in imports_of(path) if under(m, "bot.adapters"))
        if adapters:
            bad[name] = adapters
    assert bad == {}


def test_the_command_registry_uses_only_leaf_modules_of_the_bot() -> None:
    bad = {}
    for path in sources("bot/commands"):
        used = {m for m in imports_of(path) if under(m, "bot")}
        wrong = sorted(m for m in used if not any(under(m, ok) for ok in COMMANDS_MAY_USE))
        if wrong:
            bad[rel(path)] = wrong
    assert bad == {}


def test_the_bot_process_never_loads_the_proxmox_client_or_the_worker() -> None:
    """Only workers talk to Proxmox: composing the bot must not even import that code."""
    probe = (
        "import sys, bot.compose, bot.dispatch, bot.adapters.console; "
        "print('\\n'.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    worker_side = ("proxmox.client", "proxmox.repositories", "jobs.context", "jobs.chain.runner")
    assert [m for m in loaded if m.startswith(worker_side)] == []
