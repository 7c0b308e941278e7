"""The inventory cache: what the ack path and autocomplete know without asking Proxmox.

Written only by the inventory-sync Node job from ``/cluster/resources``; read by policy
(ownership), autocomplete and ``list``. It is a cache: workers re-read live state before
acting, so a stale entry can never authorise an action.

Layout (prefix ``jh`` by default), one namespace ``{c}`` = ``{p}:inv:{cluster}`` per Proxmox
cluster, since VMIDs are unique per cluster only: ``{c}:vm:{vmid}`` JSON per VM, ``{c}:vmids``
set, ``{c}:owner:{account}`` set of vmids (accounts listed in ``{c}:owners``),
``{c}:labels`` hash vmid → name (what autocomplete and name lookups filter on without
decoding every entry), ``{c}:version`` (changes whenever the labels may have changed —
a digest of them after a full sync, a fresh token after a single write — so a process can
keep the labels in memory, and a 30-second sync that changed no name costs nothing),
``{c}:synced`` timestamp. No KEYS scans:
a full replace knows every key it wrote from these index sets.

Names are not unique (two accounts may both call a server "web"), so there is no global
name → VMID map: ``named`` looks a name up among one owner's servers (their label subset)
or among all labels, and returns every match for the caller to judge.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
from collections.abc import Iterable

import redis
from pydantic import BaseModel, ConfigDict

from actions.config import ActionsConfig
from bot.ports.codec import decoded
from jobs.config import DEFAULT_CLUSTER
from proxmox.models import ClusterResource

# What older versions wrote directly under ``{p}:inv`` (before per-cluster namespaces; the
# global name → VMID hash, where the last write won): a full replace deletes what is left.
_LEGACY_KEYS = ("names", "vmids", "labels", "owners", "version", "synced")


class InventoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    vmid: int
    node: str
    name: str = ""
    status: str = "unknown"
    owner: str | None = None
    cores: int = 0
    memory_mib: int = 0
    disk_bytes: int = 0
    lock: str | None = None
    template: bool = False
    cluster: str = DEFAULT_CLUSTER


class Inventory:
    def __init__(
        self, client: redis.Redis, *, prefix: str = "jh", cluster: str = DEFAULT_CLUSTER
    ) -> None:
        self._r = client
        self.cluster = cluster
        self._root = f"{prefix}:inv"
        self._p = f"{self._root}:{cluster}"
        # (version, [(vmid, lower-case name)] sorted by vmid): admin autocomplete over
        # 10,000 servers must not fetch and decode every label on each keystroke.
        self._labels: tuple[str, list[tuple[int, str]]] = ("", [])

    def get(self, vmid: int) -> InventoryEntry | None:
        raw = self._r.get(f"{self._p}:vm:{vmid}")
        return InventoryEntry.model_validate_json(raw) if raw else None

    def named(self, name: str, *, owner: str | None = None) -> list[InventoryEntry]:
        """Every server called ``name`` (case-insensitive), by VMID; only ``owner``'s if
        given, so another account's server of the same name neither hides nor shows."""
        wanted = name.strip().lower()
        if not wanted:
            return []
        labels = self._all_labels() if owner is None else self._owner_labels(owner)
        return self._many(vmid for vmid, label in labels if label == wanted)

    def all(self) -> list[InventoryEntry]:
        return self._many(int(v) for v in self._r.smembers(f"{self._p}:vmids"))

    def owned_by(self, account: str) -> list[InventoryEntry]:
        return self._many(int(v) for v in self._r.smembers(f"{self._p}:owner:{account}"))

    def vmids(self, *, owner: str | None = None) -> list[int]:
        """Every VMID, or only ``owner``'s, ascending: what a paged list counts and slices
        without loading an entry. All of them come from the labels this process keeps
        (one GET while no name changed), so a page of 10,000 does not fetch 10,000 ids."""
        if owner is None:
            return [vmid for vmid, _ in self._all_labels()]
        return sorted(int(v) for v in self._r.smembers(f"{self._p}:owner:{owner}"))

    def entries(self, vmids: Iterable[int]) -> list[InventoryEntry]:
        """The entries of these VMIDs, by VMID (those no longer in the cache left out)."""
        return self._many(vmids)

    def search(
        self, typed: str, *, owner: str | None = None, limit: int = 25
    ) -> list[InventoryEntry]:
        """Servers whose VMID starts with, or whose name contains, ``typed`` (case-insensitive);
        all servers, or only ``owner``'s. Filters the small label hash, then loads ``limit``."""
        typed = typed.strip().lower()
        labels = self._all_labels() if owner is None else self._owner_labels(owner)
        hits = (vmid for vmid, name in labels if str(vmid).startswith(typed) or typed in name)
        return self._many(itertools.islice(hits, limit))

    def _owner_labels(self, owner: str) -> list[tuple[int, str]]:
        vmids = sorted(int(v) for v in self._r.smembers(f"{self._p}:owner:{owner}"))
        names = self._r.hmget(f"{self._p}:labels", vmids) if vmids else []
        return [(v, decoded(n or b"").lower()) for v, n in zip(vmids, names, strict=True)]

    def _all_labels(self) -> list[tuple[int, str]]:
        version = decoded(self._r.get(f"{self._p}:version") or b"-")
        if version != self._labels[0]:
            raw = self._r.hgetall(f"{self._p}:labels")
            labels = sorted((int(k), decoded(v).lower()) for k, v in raw.items())
            self._labels = (version, labels)
        return self._labels[1]

    def synced_at(self) -> float | None:
        raw = self._r.get(f"{self._p}:synced")
        return float(raw) if raw else None

    def replace_all(self, entries: Iterable[InventoryEntry], *, now: float) -> None:
        """Swap in a full snapshot atomically: moved VMs follow, deleted VMs disappear."""
        entries = list(entries)
        stale = [f"{self._p}:owner:{decoded(a)}" for a in self._r.smembers(f"{self._p}:owners")]
        stale += [f"{self._p}:vm:{int(v)}" for v in self._r.smembers(f"{self._p}:vmids")]
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(
            f"{self._p}:vmids", f"{self._p}:labels", f"{self._p}:owners", *stale, *self._legacy()
        )
        for entry in entries:
            self._index(pipe, entry)
        pipe.set(f"{self._p}:synced", repr(now))
        pipe.set(f"{self._p}:version", _labels_digest(entries))
        pipe.execute()

    def _legacy(self) -> list[str]:
        root = self._root
        keys = [f"{root}:{name}" for name in _LEGACY_KEYS]
        keys += [f"{root}:vm:{int(v)}" for v in self._r.smembers(f"{root}:vmids")]
        keys += [f"{root}:owner:{decoded(a)}" for a in self._r.smembers(f"{root}:owners")]
        return keys

    def put(self, entry: InventoryEntry) -> None:
        """Record one VM right after the bot changed it (build, assign), before a sync."""
        old = self.get(entry.vmid)
        pipe = self._r.pipeline(transaction=True)
        if old and old.owner and old.owner != entry.owner:
            pipe.srem(f"{self._p}:owner:{old.owner}", entry.vmid)
        self._index(pipe, entry)
        pipe.set(f"{self._p}:version", secrets.token_hex(8))
        pipe.execute()

    def remove(self, vmid: int) -> None:
        old = self.get(vmid)
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(f"{self._p}:vm:{vmid}")
        pipe.srem(f"{self._p}:vmids", vmid)
        pipe.hdel(f"{self._p}:labels", vmid)
        if old and old.owner:
            pipe.srem(f"{self._p}:owner:{old.owner}", vmid)
        pipe.set(f"{self._p}:version", secrets.token_hex(8))
        pipe.execute()

    def _index(self, pipe: redis.client.Pipeline, entry: InventoryEntry) -> None:
        entry = entry.model_copy(update={"cluster": self.cluster})  # the namespace says where
        pipe.set(f"{self._p}:vm:{entry.vmid}", entry.model_dump_json())
        pipe.sadd(f"{self._p}:vmids", entry.vmid)
        pipe.hset(f"{self._p}:labels", entry.vmid, entry.name)
        if entry.owner:
            pipe.sadd(f"{self._p}:owner:{entry.owner}", entry.vmid)
            pipe.sadd(f"{self._p}:owners", entry.owner)

    def _many(self, vmids: Iterable[int]) -> list[InventoryEntry]:
        ordered = sorted(vmids)
        if not ordered:
            return []
        raws = self._r.mget([f"{self._p}:vm:{v}" for v in ordered])
        return [InventoryEntry.model_validate_json(r) for r in raws if r]


def _labels_digest(entries: list[InventoryEntry]) -> str:
    labels = sorted((e.vmid, e.name) for e in entries)
    return "sync-" + hashlib.sha256(repr(labels).encode()).hexdigest()[:16]


MIB = 1024 * 1024


def inventory_entry(resource: ClusterResource, config: ActionsConfig) -> InventoryEntry | None:
    if resource.type != "qemu" or resource.vmid is None or not resource.node:
        return None
    return InventoryEntry(
        vmid=resource.vmid,
        node=resource.node,
        name=resource.name or "",
        status=resource.status or "unknown",
        owner=config.owner_of(resource.tags),
        cores=resource.maxcpu or 0,
        memory_mib=(resource.maxmem or 0) // MIB,
        disk_bytes=resource.maxdisk or 0,
        lock=resource.lock,
        template=resource.template,
    )
