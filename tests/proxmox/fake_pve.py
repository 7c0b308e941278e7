"""A hand-written fake Proxmox for MockTransport: real captured bodies where they exist,
small hand-made ones elsewhere, and a fresh UPID of the right type for every task call."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx

from proxmox.upid import UPID
from tests.proxmox.captures import data_of

Body = Callable[[re.Match[str]], Any]
N = r"(?P<node>[^/]+)"
VM = rf"/nodes/{N}/qemu/(?P<vmid>\d+)"


def task_upid(node: str, kind: str, ident: str) -> str:
    return str(UPID(node, 0x1234, 0xABCDEF, 0x6634_3A23, kind, ident, "jotunheim@pve!tests"))


def _task(kind: str, ident: str = "vmid") -> Body:
    return lambda m: task_upid(m["node"], kind, m.groupdict().get(ident) or "")


STORAGES = [
    {
        "storage": "local-lvm",
        "type": "lvmthin",
        "content": "images,rootdir",
        "active": 1,
        "enabled": 1,
        "shared": 0,
        "avail": 800 * 1024**3,
        "used": 52 * 1024**3,
        "total": 852 * 1024**3,
    },
    {
        "storage": "backup",
        "type": "dir",
        "content": "backup",
        "active": 1,
        "enabled": 1,
        "shared": 0,
        "avail": 1024**4,
        "used": 0,
        "total": 1024**4,
    },
]
PENDING = [
    {"key": "cores", "value": 2, "pending": 4},
    {"key": "memory", "value": "2048", "pending": "4096"},
    {"key": "tags", "value": "owner-acme", "delete": 1},
]
VOLUME = {
    "format": "vma.zst",
    "size": 1_234_567,
    "used": 1_234_567,
    "path": "/mnt/backup/dump/vzdump-qemu-101-2025_01_09-03_00_01.vma.zst",
}

ROUTES: list[tuple[str, str, Body]] = [
    ("GET", "/version", lambda m: data_of("version-pve9.2.10")),
    ("GET", "/nodes", lambda m: data_of("nodes-list-4node")),
    ("GET", f"/nodes/{N}/status", lambda m: data_of("node-status-pve7.4")),
    ("GET", "/cluster/resources", lambda m: data_of("cluster-resources-4node")),
    ("GET", "/cluster/nextid", lambda m: data_of("cluster-nextid")),
    ("GET", f"/nodes/{N}/qemu", lambda m: data_of("qemu-list")),
    ("POST", f"/nodes/{N}/qemu", lambda m: task_upid(m["node"], "qmrestore", "101")),
    ("GET", f"{VM}/status/current", lambda m: data_of("qemu-status-current-running-pve8.0")),
    (
        "POST",
        f"{VM}/status/(?P<action>start|stop|shutdown|reboot|reset|resume)",
        lambda m: task_upid(m["node"], f"qm{m['action']}", m["vmid"]),
    ),
    ("POST", f"{VM}/status/suspend", _task("qmpause")),
    ("GET", f"{VM}/config", lambda m: data_of("qemu-config-pve9")),
    ("PUT", f"{VM}/config", lambda m: None),
    ("POST", f"{VM}/config", _task("qmconfig")),
    ("GET", f"{VM}/pending", lambda m: PENDING),
    ("PUT", f"{VM}/resize", _task("resize")),
    ("POST", f"{VM}/clone", _task("qmclone")),
    ("DELETE", VM, _task("qmdestroy")),
    ("POST", f"{VM}/template", _task("qmtemplate")),
    ("GET", f"{VM}/cloudinit", lambda m: [{"key": "cipassword", "pending": "**********"}]),
    ("PUT", f"{VM}/cloudinit", lambda m: None),
    ("POST", f"{VM}/agent/set-user-password", lambda m: {"result": {}}),
    ("POST", f"/nodes/{N}/vzdump", lambda m: task_upid(m["node"], "vzdump", "101")),
    ("GET", f"/nodes/{N}/storage", lambda m: STORAGES),
    (
        "GET",
        f"/nodes/{N}/storage/(?P<storage>[^/]+)/content",
        lambda m: data_of("storage-content-backup-dir-lxc"),
    ),
    ("GET", f"/nodes/{N}/storage/(?P<storage>[^/]+)/content/(?P<volume>.+)", lambda m: VOLUME),
    (
        "DELETE",
        f"/nodes/{N}/storage/(?P<storage>[^/]+)/content/(?P<volume>.+)",
        lambda m: task_upid(m["node"], "imgdel", "101@" + m["storage"]),
    ),
    (
        "GET",
        f"/nodes/{N}/tasks/(?P<upid>[^/]+)/status",
        lambda m: data_of("task-status-stopped-ok") | {"upid": m["upid"]},
    ),
    ("GET", f"/nodes/{N}/tasks/(?P<upid>[^/]+)/log", lambda m: data_of("task-log-short")),
    ("DELETE", f"/nodes/{N}/tasks/(?P<upid>[^/]+)", lambda m: None),
    ("GET", f"/nodes/{N}/tasks", lambda m: data_of("tasks-list-node-pve6.4")),
]
TOTALS = {"log": 2, "tasks": 3}


class FakePve:
    """``httpx.MockTransport(FakePve())``; ``overrides`` replace a route's data by path."""

    def __init__(self) -> None:
        self.overrides: dict[tuple[str, str], Any] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.raw_path.decode().split("?")[0]).removeprefix("/api2/json")
        if (request.method, path) in self.overrides:
            return httpx.Response(200, json={"data": self.overrides[request.method, path]})
        for method, pattern, body in ROUTES:
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                envelope: dict[str, Any] = {"data": body(match)}
                last = path.rsplit("/", 1)[-1]
                if request.method == "GET" and last in TOTALS:
                    envelope["total"] = TOTALS[last]
                return httpx.Response(200, json=envelope)
        reason = f"Method '{request.method} {path}' not implemented"
        return httpx.Response(
            501, json={"data": None}, extensions={"reason_phrase": reason.encode()}
        )
