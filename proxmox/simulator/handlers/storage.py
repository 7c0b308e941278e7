"""Storages, their content, one volume (``{volume}`` may hold ``/``), volume deletion."""

from __future__ import annotations

from typing import Any

from proxmox.simulator import views
from proxmox.simulator.params import b, fail, i, s
from proxmox.simulator.routing import Req, Route
from proxmox.simulator.schema import CONTENT, NODE_ONLY, OPT_VMID, STORAGE_ID
from proxmox.simulator.state import Storage, Volume, World

STORAGE_PATH = {**NODE_ONLY, "storage": STORAGE_ID.required()}


def list_storages(w: World, r: Req) -> Any:
    w.node(r.p["node"])
    wanted = set(str(r.p.get("content", "")).split(",")) - {""}
    out = []
    for storage in sorted(w.storages_on(r.p["node"]), key=_name):
        if wanted and not wanted & set(storage.content):
            continue
        if r.p.get("storage") and storage.name != r.p["storage"]:
            continue
        out.append(views.storage_entry(storage))
    return out


def _name(storage: Storage) -> str:
    return storage.name


def content(w: World, r: Req) -> Any:
    w.node(r.p["node"])
    storage = w.storage(r.p["node"], r.p["storage"])
    wanted = r.p.get("content")
    vmid = r.p.get("vmid")
    volumes = sorted(storage.volumes.values(), key=lambda v: v.volid)
    return [
        _content_entry(v)
        for v in volumes
        if (wanted is None or v.content == wanted) and (vmid is None or v.vmid == vmid)
    ]


def _content_entry(volume: Volume) -> dict[str, Any]:
    out: dict[str, Any] = {
        "volid": volume.volid,
        "content": volume.content,
        "format": volume.format,
        "size": volume.size,
        "ctime": volume.ctime,
    }
    if volume.vmid is not None:
        out["vmid"] = volume.vmid
    if volume.content == "backup":
        out["subtype"] = "qemu"
        if volume.notes is not None:
            out["notes"] = volume.notes
        if volume.protected:
            out["protected"] = 1
    return out


def _find(w: World, r: Req) -> tuple[Storage, Volume]:
    w.node(r.p["node"])
    raw = str(r.p["volume"])
    volid = raw if ":" in raw else f"{r.p['storage']}:{raw}"
    storage = w.storage(r.p["node"], volid.split(":", 1)[0])
    volume = storage.volumes.get(volid)
    if volume is None:
        raise fail(f"volume '{volid}' does not exist")
    return storage, volume


def volume_info(w: World, r: Req) -> Any:
    storage, volume = _find(w, r)
    if storage.type == "dir":
        path = f"{storage.path}/dump/{volume.name.split('/')[-1]}"
    else:
        path = f"/dev/pve/{volume.name}"
    out: dict[str, Any] = {
        "path": path,
        "size": volume.size,
        "used": volume.size,
        "format": volume.format,
    }
    if volume.notes is not None:
        out["notes"] = volume.notes
    if volume.content == "backup":
        out["protected"] = 1 if volume.protected else 0
    return out


def delete_volume(w: World, r: Req) -> Any:
    """A task (imgdel, id ``<vmid>@<storage>``); null if it finished within ``delay``."""
    storage, volume = _find(w, r)

    def done() -> list[str] | None:
        storage.volumes.pop(volume.volid, None)
        return [f"Removed volume '{volume.volid}'"]

    task_id = f"{volume.vmid}@{storage.name}" if volume.vmid is not None else ""
    task = w.start_task(r.p["node"], "imgdel", task_id, on_done=done)
    delay = r.p.get("delay")
    if delay is not None and delay >= task.end - task.start:
        task.end = task.start
        w.settle()
        return None
    return task.text


_VOLUME = {**NODE_ONLY, "storage": STORAGE_ID, "volume": s().required()}
ROUTES = (
    Route("GET", "/nodes/{node}/storage",
          {**NODE_ONLY, "content": s(), "enabled": b(), "format": b(), "storage": STORAGE_ID,
           "target": s()},
          list_storages, ("/nodes/{node}", "Datastore.Audit")),
    Route("GET", "/nodes/{node}/storage/{storage}/content",
          {**STORAGE_PATH, "content": CONTENT, "vmid": OPT_VMID}, content,
          ("/storage/{storage}", "Datastore.Audit")),
    Route("GET", "/nodes/{node}/storage/{storage}/content/{volume}", _VOLUME, volume_info,
          ("/storage/{storage}", "Datastore.Audit")),
    Route("DELETE", "/nodes/{node}/storage/{storage}/content/{volume}",
          {**_VOLUME, "delay": i(minimum=1, maximum=30)}, delete_volume,
          ("/storage/{storage}", "Datastore.Allocate")),
)  # fmt: skip
