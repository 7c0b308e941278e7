"""Who may run what, on which server, how often: decided on the ack path from Redis alone.

Every check raises ``Refusal`` with the text the person sees. Ownership refusals are worded
exactly like "no such server", so a customer never learns that someone else's server exists.
"""

from __future__ import annotations

from typing import Protocol

from bot.commands.argtypes import vmid_of
from bot.commands.registry import Command
from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.invocation import Actor, Identity
from bot.settings.policy import PolicySettings
from bot.store.identities import IdentityStore
from bot.store.ratelimit import RateLimiter
from jobs.queue import JobRequest
from jobs.state.inventory import Inventory, InventoryEntry


class Refusal(Exception):
    """A user error: shown as is, recorded in the audit log as ``refused``."""


class BusyHolder(Protocol):
    @property
    def job_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def requester(self) -> str: ...
    @property
    def since(self) -> float: ...


class BusyLookup(Protocol):
    """``jobs.state.locks.BusyLocks`` (only ``holder`` is used on the ack path)."""

    def holder(self, vmid: int) -> BusyHolder | None: ...


class Policy:
    def __init__(
        self,
        settings: PolicySettings,
        identities: IdentityStore,
        inventory: Inventory,
        limiter: RateLimiter,
        busy: BusyLookup | None,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.clock = clock
        self.settings = settings
        self._identities = identities
        self._inventory = inventory
        self._limiter = limiter
        self._busy = busy

    def actor(self, identity: Identity, name: str, roles: frozenset[str]) -> Actor:
        is_admin = self.settings.is_admin(identity, roles)
        return Actor(identity, name, is_admin, self._identities.account_of(identity))

    def check_rate(self, actor: Actor) -> None:
        """One command or click against this chat identity's budget and its account's."""
        throttled = self._limiter.hit(actor.key, actor.account)
        if throttled is None:
            return
        limit, seconds = throttled.limit, max(1, round(throttled.wait))
        if throttled.budget == "account":
            raise Refusal(
                f"slow down: at most {limit} commands a minute for account {actor.account} "
                f"(all its linked chat users together); try again in {seconds} s"
            )
        raise Refusal(f"slow down: at most {limit} commands a minute; try again in {seconds} s")

    def check_scope(self, actor: Actor, command: Command, *, direct_message: bool = False) -> None:
        if command.scope == "admin" and direct_message:
            # A DM has no guild, so no role or channel context to trust: admins use the server.
            raise Refusal(f"{command.slash} cannot be used in a direct message")
        if command.scope == "auth" or actor.is_admin:
            return
        if command.scope == "server" and command.name == "help":
            return  # how to use the bot is no secret, and someone not yet linked needs it
        if command.scope == "admin":
            raise Refusal(f"{command.slash} is for admins only")
        if actor.account is None:
            raise Refusal(
                "this chat user is not linked to an account: ask your provider for a code, "
                "then run /auth link <code>"
            )

    def resolve_server(self, actor: Actor, ref: str) -> InventoryEntry:
        """By ``[cluster/]VMID``, or by name among the servers this actor may see: a
        customer's name is looked up among their own servers only, so another account's
        server of the same name neither hides theirs nor reveals itself. A name several
        servers share is refused with their VMIDs (for a customer, only their own)."""
        ref = ref.strip()
        cluster, slash, local = ref.rpartition("/")
        if slash and cluster != self.settings.cluster_name:
            raise Refusal(
                f"server {ref}: there is no cluster {cluster} "
                f"(this one is {self.settings.cluster_name}) — did you mean {local}?"
            )
        vmid = vmid_of(local)
        if vmid is not None:
            entry = self._inventory.get(vmid)
            found = [entry] if entry is not None else []
        elif local.isdigit() or slash:
            found = []  # digits that are no VMID (0101) never name a server
        elif actor.is_admin:
            found = self._inventory.named(ref)
        else:
            found = self._inventory.named(ref, owner=actor.account) if actor.account else []
        found = [e for e in found if self._may_see(actor, e)]
        if not found:
            raise Refusal(f"server {ref} not found")
        if len(found) > 1:
            vmids = ", ".join(str(e.vmid) for e in found)
            raise Refusal(f"several servers are called {ref}: VMIDs {vmids}; use the VMID")
        return found[0]

    def server_ids(self, actor: Actor) -> list[int]:
        """The VMIDs ``/server list`` shows this actor, ascending: all for an admin, their
        account's for a customer. Ids only, so a page of 10,000 loads just its entries."""
        if actor.is_admin:
            return self._inventory.vmids()
        return self._inventory.vmids(owner=actor.account) if actor.account else []

    def servers_among(self, actor: Actor, vmids: list[int]) -> list[InventoryEntry]:
        """The entries of ``vmids`` (one page of ``server_ids``) that this actor may list;
        the owner is checked on each entry again, so a page never shows another account's
        server, whatever the index said."""
        entries = self._inventory.entries(vmids)
        return [e for e in entries if actor.is_admin or e.owner == actor.account]

    def search_servers(self, actor: Actor, typed: str, *, limit: int) -> list[InventoryEntry]:
        """Autocomplete: what this actor may see, matching what they typed."""
        if actor.is_admin:
            return self._inventory.search(typed, limit=limit)
        if actor.account is None:
            return []
        found = self._inventory.search(typed, owner=actor.account, limit=limit)
        return [e for e in found if self._may_see(actor, e)]

    def check_not_busy(self, vmid: int) -> None:
        holder = self._busy.holder(vmid) if self._busy is not None else None
        if holder is not None:
            age = max(0, int(self.clock.now() - holder.since))
            verb = holder.kind.rpartition(".")[2]
            raise Refusal(
                f"server {vmid} is busy: {verb} started by {holder.requester} {age} s ago"
            )

    def needs_approval(self, actor: Actor, command: Command) -> bool:
        if actor.is_admin or command.scope != "server":
            return False
        configured = self.settings.approval_commands
        return command.name in configured if configured is not None else command.approval

    def may_see_job(self, actor: Actor, request: JobRequest) -> bool:
        """Admins see every job; a customer sees the jobs they or their account asked for."""
        if actor.is_admin:
            return True
        if actor.account is None:
            return False
        return request.account == actor.account or request.requested_by == actor.key

    def _may_see(self, actor: Actor, entry: InventoryEntry) -> bool:
        if entry.template:
            return actor.is_admin
        return actor.is_admin or (actor.account is not None and entry.owner == actor.account)
