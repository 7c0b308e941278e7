"""The import rule of the architecture, checked on the source (a rule nobody tests rots).

bot/adapters → bot → bot/commands → jobs → actions → proxmox, with ``bot.ports`` (the leaf
vocabulary) below all of them and the entry points (``bot/cli.py``, ``bot/run/``) above
all. A module imports only its own layer or lower ones, there are no import cycles, and
every import statement counts: lazy ones inside functions and ``TYPE_CHECKING`` ones too
(a cycle broken by a lazy import is still a cycle).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "jobs", "actions", "proxmox")
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "discord")
# Highest first; a module's layer is the first prefix it falls under.
LAYERS = (
    ("bot.cli", 7),
    ("bot.run", 7),
    ("bot.adapters", 6),
    ("bot.ports", 0),
    ("bot.commands", 4),
    ("bot", 5),
    ("jobs", 3),
    ("actions", 2),
    ("proxmox", 1),
)
KIT_FILES = re.compile(r"(^|/)(testing\w*|mock_\w+|fakes?\w*|conftest)\.py$")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = modules()


def imports_of(name: str, path: Path) -> set[str]:
    """The product modules ``name`` imports, anywhere in the file; relative imports are
    resolved, and ``from package import name`` counts as the submodule when it is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for target in targets:
            module = target
            while module and module not in MODULES:
                module = module.rpartition(".")[0]
            if module and module != name:
                found.add(module)
    return found


def graph() -> dict[str, set[str]]:
    # A package's __init__ re-exporting its own children is how a public surface is made.
    return {
        name: {
            t
            for t in imports_of(name, path)
            if not (path.name == "__init__.py" and t.startswith(name + "."))
        }
        for name, path in MODULES.items()
    }


def layer(module: str) -> int:
    for prefix, rank in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return rank
    raise AssertionError(f"{module} is in no layer")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in edges:
        if v not in index:
            visit(v)
    return found


def test_there_are_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_every_import_points_down_or_sideways() -> None:
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in graph().items()
        for target in targets
        if layer(target) > layer(source)
    )
    assert upward == []


def test_the_ports_import_nothing_else_of_ours() -> None:
    leaves = {
        source: sorted(t for t in targets if not t.startswith("bot.ports"))
        for source, targets in graph().items()
        if source.startswith("bot.ports")
    }
    assert {k: v for k, v in leaves.items() if v} == {}


def test_only_adapters_import_platform_sdks() -> None:
    bad = {}
    for name, path in MODULES.items():
        if layer(name) == layer("bot.adapters"):
            continue
        tree = ast.parse(path.read_text())
        used = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        used |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        sdks = sorted(m for m in used if m.split(".")[0] in PLATFORM_SDKS)
        if sdks:
            bad[name] = sdks
    assert bad == {}


def test_no_test_kit_ships_in_the_packages() -> None:
    kits = []
    for path in MODULES.values():
        rel = path.relative_to(ROOT).as_posix()
        if KIT_FILES.search(rel):
            kits.append(rel)
        tree = ast.parse(path.read_text())
        fakes = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        kits += [f"{rel}:{name}" for name in fakes if name.startswith("Fake")]
    assert kits == []


def test_the_bot_process_never_loads_the_proxmox_client_or_the_worker() -> None:
    """Only workers talk to Proxmox: composing the bot must not even import that code."""
    probe = (
        "import sys, bot.compose, bot.dispatch, bot.adapters.console; "
        "print('\\n'.join(sorted(sys.modules)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    # (every chain-engine module but its wording imports jobs.context)
    worker_side = ("proxmox.client", "proxmox.repositories", "jobs.context", "jobs.chain.run")
    assert [m for m in loaded if m.startswith(worker_side)] == []
