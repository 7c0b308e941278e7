"""Replies built from registry and cache data: help, server lists, node lists, audit lines,
and the "what the cache knows → what was asked" lines of an approval request."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from actions.sizes import human_bytes, memory_change, parse_disk_size, size_change
from actions.volumes import typed_backup_label
from bot.commands.registry import SLASH, Command, Parsed, Registry
from bot.ports.audit import AuditEntry, AuditLog
from bot.ports.invocation import Scope, shown_person
from bot.ports.reply import Reply, ReplyField
from jobs.state.inventory import InventoryEntry


def help_reply(registry: Registry, scope: Scope, topic: str | None) -> Reply:
    if topic:
        command = registry.longest_match(scope, topic.split())
        if command is None:
            near = registry.nearest(scope, topic.split())
            guess = f" — did you mean {SLASH[scope]} help {near.name}?" if near else ""
            return Reply(
                text=f"no command {topic!r} in {SLASH[scope]}{guess}; try {SLASH[scope]} help"
            )
        return Reply(text=command_help(command))
    lines = [f"{SLASH[scope]} commands (details: {SLASH[scope]} help <command>):"]
    lines += [f"• {c.usage()}\n    {c.summary}" for c in registry.in_scope(scope)]
    return Reply(text="\n".join(lines))


def command_help(command: Command) -> str:
    lines = [f"{command.usage()}", command.summary]
    lines += [f"  {a.name}: {a.help} ({a.type.expected})" for a in command.args]
    if command.destructive:
        lines.append("Asks you to confirm first.")
    if command.approval:
        lines.append("Customers: an admin approves it first (unless configured otherwise).")
    lines += [f"example: {SLASH[command.scope]} {example}" for example in command.examples]
    lines += [f"  {p.written}: {p.hint}" for p in command.placeholders]
    return "\n".join(lines)


def server_line(entry: InventoryEntry) -> str:
    """``acme-web: running (2 vCPU, 4 GiB memory, 32 GiB disk)`` — GiB wherever people read
    sizes; the VMID is the line's label, so it is not repeated."""
    memory = human_bytes(entry.memory_mib * 1024 * 1024)
    sizes = f"{entry.cores} vCPU, {memory} memory, {human_bytes(entry.disk_bytes)} disk"
    state = "template" if entry.template else entry.status
    return f"{entry.name or 'unnamed'}: {state} ({sizes})"


def _owner(entry: InventoryEntry) -> str:
    if entry.owner:
        return f" · {entry.owner}"
    return "" if entry.template else " · no owner"


def server_list(
    entries: list[InventoryEntry],
    synced_at: float | None,
    *,
    admin: bool,
    now: float,
    total: int | None = None,
) -> Reply:
    """The servers shown (one page of them when ``total`` says how many there are in all)."""
    if not entries:
        return Reply(text="no servers" + ("" if admin else " in your account"))
    fields = tuple(
        ReplyField(label=str(e.vmid), value=server_line(e) + (_owner(e) if admin else ""))
        for e in entries
    )
    age = f"; inventory from {int(now - synced_at)} s ago" if synced_at else ""
    return Reply(text=f"{counted(total or len(entries), 'server')}{age}", fields=fields)


def counted(n: int, noun: str) -> str:
    """``1 server``, ``10,000 servers``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def node_list(entries: list[InventoryEntry]) -> Reply:
    counts = Counter(e.node for e in entries)
    if not counts:
        return Reply(text="no nodes in the inventory (run /admin sync)")
    fields = tuple(ReplyField(label=n, value=f"{c} server(s)") for n, c in sorted(counts.items()))
    return Reply(text=f"{len(counts)} node(s)", fields=fields)


def audit_reply(entries: list[AuditEntry]) -> Reply:
    if not entries:
        return Reply(text="no audit entries")
    lines = [audit_line(e) for e in entries]
    return Reply(text=f"{len(entries)} recent audit entries", code="\n".join(lines))


def audit_entries(
    audit: AuditLog, identities_of: Callable[[str], list[str]], wanted: str | None
) -> list[AuditEntry]:
    """Recent entries: all, for a VMID, for a user key, or for every user of an account."""
    if wanted is None:
        return audit.recent()
    if wanted.isdigit():
        return audit.recent(vmid=int(wanted))
    if ":" in wanted:
        return audit.recent(actor=wanted)
    found = [e for key in identities_of(wanted) for e in audit.recent(actor=key)]
    return sorted(found, key=lambda e: e.ts, reverse=True)[:20]


def audit_line(entry: AuditEntry) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.ts))
    parts = [when, entry.event, shown_person(entry.actor)]
    parts += [f"vm={entry.vmid}"] if entry.vmid else []
    parts += [entry.command] if entry.command else []
    parts += [f"approver={shown_person(entry.approver)}"] if entry.approver else []
    parts += [entry.result] if entry.result else []
    return " ".join(parts)


def requested_changes(parsed: Parsed, entry: InventoryEntry | None) -> tuple[str, ...]:
    """``cores 2 → 4`` from the cache; the worker computes the real plan before acting."""
    values = parsed.present()
    lines = []
    if entry is not None and "cpu" in values:
        lines.append(f"cores {entry.cores} → {values['cpu']}")
    if entry is not None and "memory" in values:
        lines.append(f"memory {memory_change(entry.memory_mib, int(values['memory']))}")
    if entry is not None and "disk" in values:
        wanted = parse_disk_size(str(values["disk"])).target(entry.disk_bytes)
        before, after = size_change(entry.disk_bytes, wanted)
        lines.append(f"disk {before} → {after}")
    if "backup" in values:
        lines.append(typed_backup_label(str(values["backup"])))
    shown = {"cpu", "memory", "disk", "vm", "dry-run", "backup"}
    lines += [f"{k} = {v}" for k, v in values.items() if k not in shown]
    return tuple(lines)
