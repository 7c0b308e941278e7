"""The public surfaces (``proxmox``, ``jobs``, ``bot.ports``) and the packages that use them
(after httpx's ``tests/test_exported_members.py``): each surface declares ``__all__``,
every name in it resolves to the object its module defines, and no other product package
imports a name of a surface that is not in its ``__all__``."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SURFACES = ("proxmox", "jobs", "bot.ports")
PACKAGES = ("bot", "jobs", "actions", "proxmox")


def surface_of(module: str) -> str | None:
    for surface in SURFACES:
        if module == surface or module.startswith(surface + "."):
            return surface
    return None


def is_module(dotted: str) -> bool:
    path = ROOT / dotted.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imported_names() -> list[tuple[str, str, str]]:
    """(importing file, surface module, name) for every import of a surface from outside."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                surface = surface_of(node.module)
                if surface is None or surface_of(rel) == surface:
                    continue
                found += [(rel, node.module, alias.name) for alias in node.names]
    return found


@pytest.mark.parametrize("surface", SURFACES)
def test_every_exported_name_resolves(surface: str) -> None:
    package = importlib.import_module(surface)
    lazy = getattr(package, "_EXPORTS", None)  # where each name lives, when loaded lazily
    assert lazy is None or set(package.__all__) == set(lazy)
    for name in package.__all__:
        assert getattr(package, name) is not None, f"{surface}.{name}"


def test_other_packages_use_only_exported_names() -> None:
    outside = []
    for importer, module, name in imported_names():
        surface = importlib.import_module(surface_of(module) or "")
        exported = name in surface.__all__
        if exported and not is_module(f"{module}.{name}"):
            # the name is the one its home module defines, not a re-import elsewhere
            exported = getattr(importlib.import_module(module), name) is getattr(surface, name)
        if not exported:
            outside.append(f"{importer}: from {module} import {name}")
    assert outside == []


def test_the_check_sees_the_imports_it_polices() -> None:
    """A parser that found nothing would pass the test above for the wrong reason."""
    names = {(module, name) for _, module, name in imported_names()}
    assert ("jobs.queue", "JobRequest") in names
    assert ("proxmox.errors", "ProxmoxApiException") in names
    assert ("bot.ports.reply", "Reply") in names
