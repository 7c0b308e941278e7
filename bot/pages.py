"""Long lists answer one page at a time, with Previous and Next buttons, on every platform.

Why: Slack refuses a message of more than 50 blocks and Discord shows at most 25 fields, so
10,000 servers in one reply were refused on Slack and cut to 25 on Discord without a word.
A page holds few enough items that it always fits — 25 servers or nodes (Discord's 25
fields), 10 lines of approvals, audit or queue, each line at most ``LINE_LIMIT`` characters
(one code block inside both platforms' limits) — and says where it is: ``page 2 of 400 ·
10,000 servers``.

A page button carries only which list and which page (``servers.2``; the audit's filter as
well, spelled in the characters a button value may hold), never a secret and never who
asked. Its click runs the list's command again with ``page=N`` as if the clicker had typed
it (``Dispatcher.handle``): the link, scope, rate limit and audit a typed command gets, and
the clicker's own list, so a customer clicking any page button sees only their servers.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass

from bot import answers
from bot.commands.registry import Parsed
from bot.policy import Policy
from bot.ports import ButtonClick, ClickResult
from bot.ports.invocation import Actor, Invocation, Scope
from bot.ports.paging import BACKUPS_PER_PAGE, Window, framed, window
from bot.ports.reply import Reply
from jobs.state.inventory import Inventory

LINE_LIMIT = 360  # characters of one code line: 10 lines stay inside a Discord description


@dataclass(frozen=True)
class Listing:
    """A list that pages: its name in a button value, the command that reads it, how many
    items a page holds, and the argument a page keeps (the audit's filter)."""

    key: str
    scope: Scope
    command: str
    per_page: int
    arg: str | None = None


SERVERS = Listing("servers", "server", "list", 25)
# Read by a worker (only it talks to Proxmox), which pages its answer the same way.
BACKUPS = Listing("backups", "server", "backup list", BACKUPS_PER_PAGE, arg="vm")
# Lists read whole and then cut to the page (all of them small but for their lines' length).
_SLICED = (
    Listing("approvals", "admin", "approvals", 10),
    Listing("nodes", "admin", "node list", 25),
    Listing("audit", "admin", "audit", 10, arg="filter"),
    Listing("queue", "admin", "queue", 10),
)
LISTINGS = {listing.key: listing for listing in (SERVERS, BACKUPS, *_SLICED)}
_BY_COMMAND = {(listing.scope, listing.command): listing for listing in _SLICED}


def server_page(policy: Policy, inventory: Inventory, actor: Actor, parsed: Parsed) -> Reply:
    """``/server list``: counts the actor's VMIDs and loads only the page's entries, so a
    page costs the same with 10,000 servers as with 10."""
    vmids = policy.server_ids(actor)
    shown = window(len(vmids), parsed.get("page"), SERVERS.per_page)
    entries = policy.servers_among(actor, vmids[shown.start : shown.stop])
    reply = answers.server_list(
        entries,
        inventory.synced_at(),
        admin=actor.is_admin,
        now=policy.clock.now(),
        total=len(vmids),
    )
    return _framed(reply, SERVERS, shown, None)


def paged(parsed: Parsed, reply: Reply) -> Reply:
    """A list's whole reply cut to the page asked for (``page=N``, else the first); any
    other reply as it is."""
    listing = _BY_COMMAND.get((parsed.command.scope, parsed.command.name))
    if listing is None:
        return reply
    page: int | None = parsed.get("page")
    kept: str | None = parsed.get(listing.arg) if listing.arg else None
    if reply.fields:
        shown = window(len(reply.fields), page, listing.per_page)
        cut = reply.model_copy(update={"fields": reply.fields[shown.start : shown.stop]})
    elif reply.code:
        lines = reply.code.split("\n")
        shown = window(len(lines), page, listing.per_page)
        code = "\n".join(_clipped(line) for line in lines[shown.start : shown.stop])
        cut = reply.model_copy(update={"code": code})
    else:
        return reply  # no list in it: a refusal, "nothing pending", a retried job
    return _framed(cut, listing, shown, kept)


def turn(click: ButtonClick, handle: Callable[[Invocation], Reply]) -> ClickResult:
    """A page button's click: its list's command with ``page=N``, run as the clicker."""
    scope, text = command_of(click.value)
    reply = handle(
        Invocation(
            identity=click.identity,
            display_name=click.display_name,
            channel=click.channel,
            scope=scope,
            text=text,
            inbound_id=click.inbound_id,
            roles=click.roles,
            is_direct_message=click.is_direct_message,
        )
    )
    # A refusal (slow down, not linked) arrives beside the page instead of taking its place.
    return ClickResult(to_clicker=reply, in_place=reply.tone == "info")


def command_of(value: str) -> tuple[Scope, str]:
    """The command a page button's value stands for; a tampered value becomes a command
    the parser refuses (and the audit records), like a tampered Reboot now."""
    key, _, rest = value.partition(".")
    number, _, spelled = rest.partition(".")
    listing = LISTINGS.get(key)
    if listing is None or not number.isdigit():
        return "server", "list page=?"
    words = [listing.command]
    if listing.arg and spelled:
        words.append(shlex.quote(_unspelled(spelled)))
    return listing.scope, " ".join([*words, f"page={number}"])


def _framed(reply: Reply, listing: Listing, shown: Window, kept: str | None) -> Reply:
    """Where the page is in its list, and the buttons to the pages beside it."""
    text, buttons = framed(reply.text, listing.key, shown, kept)
    return reply.model_copy(update={"text": text, "buttons": reply.buttons + buttons})


def _clipped(line: str) -> str:
    return line if len(line) <= LINE_LIMIT else line[: LINE_LIMIT - 1] + "…"


def _unspelled(spelled: str) -> str:
    """The text ``_spelled`` wrote; ``?`` (which no argument accepts) for anything else."""
    out, i = bytearray(), 0
    try:
        while i < len(spelled):
            if spelled[i] == "_":
                out += bytes.fromhex(spelled[i + 1 : i + 3])
                i += 3
            else:
                out += spelled[i].encode()
                i += 1
        return out.decode()
    except ValueError:  # bad hex, or bytes that are no UTF-8 (UnicodeDecodeError)
        return "?"
