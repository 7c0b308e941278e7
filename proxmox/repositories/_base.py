"""What every repository shares: the client, and paths built from quoted segments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proxmox.client import ProxmoxClient, expect_dict, expect_list, path_of


class Repository:
    """Base class: holds the client; subclasses add one concern's calls each."""

    def __init__(self, client: ProxmoxClient) -> None:
        self.client = client

    def _get_dict(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]:
        return expect_dict(self.client.get(path, params), "GET", path)

    def _get_list(self, path: str, params: Mapping[str, object] | None = None) -> list[Any]:
        return expect_list(self.client.get(path, params), "GET", path)


def vm_path(node: str, vmid: int, *rest: str) -> str:
    """``/nodes/{node}/qemu/{vmid}/...``"""
    return path_of("nodes", node, "qemu", vmid, *rest)


def node_path(node: str, *rest: str | int) -> str:
    """``/nodes/{node}/...``"""
    return path_of("nodes", node, *rest)


def dicts(items: list[Any]) -> list[dict[str, Any]]:
    """The objects of a list answer (a stray non-object entry is skipped, not fatal)."""
    return [item for item in items if isinstance(item, dict)]
