"""The composed command handler on real Redis for the benchmarks, with an inventory and
linked users of the wanted size. ``UCUST`` (Slack), ``42`` (Discord) and ``carol`` (console)
are linked to ``acme``, which owns 101 and 1000..1049; ``UADMIN``, ``boss`` and the Discord
admin role are admins."""

from __future__ import annotations

import time

import redis

from bench import discord_bench
from bot.compose import build_handler
from bot.dispatch import Dispatcher
from bot.ports.invocation import Identity
from bot.ports.notify import BotNotifier
from bot.settings.policy import PolicySettings
from bot.store.identities import IdentityStore
from jobs.config import JobSettings
from jobs.queue import RqJobQueue
from jobs.state.inventory import Inventory, InventoryEntry
from jobs.state.locks import BusyLocks
from tests.support import slack_api as testing
from tests.support.discord_fakes import ADMIN_CHANNEL, ADMIN_ROLE, GUILD

GiB = 1024**3
OWNED = 50
CUSTOMERS = (
    Identity(platform="slack", workspace=testing.TEAM, user="UCUST"),
    Identity(platform="discord", workspace=str(GUILD), user=str(discord_bench.CUSTOMER.id)),
    Identity(platform="console", workspace="console", user="carol"),
)


def policy(prefix: str) -> PolicySettings:
    return PolicySettings(
        _env_file=None,
        admins_slack=frozenset({"UADMIN"}),
        admins_console=frozenset({"boss"}),
        admin_roles_discord=frozenset({str(ADMIN_ROLE)}),
        admin_channel_slack=testing.ADMIN_CHANNEL,
        admin_channel_discord=str(ADMIN_CHANNEL),
        redis_prefix=prefix,
        rate_limit_per_minute=10_000,
        rate_limit_per_account_per_minute=10_000,
    )


def inventory(servers: int) -> list[InventoryEntry]:
    web1 = InventoryEntry(vmid=101, node="pve1", name="web1", status="running", owner="acme",
                          cores=2, memory_mib=4096, disk_bytes=20 * GiB)  # fmt: skip
    others = [
        InventoryEntry(
            vmid=1000 + n,
            node=f"pve{n % 8}",
            name=f"vm{n}",
            status="running",
            owner="acme" if n < OWNED else f"cust{n % 997}",
            cores=2,
            memory_mib=2048,
            disk_bytes=20 * GiB,
        )
        for n in range(servers - 1)
    ]
    return [web1, *others]


def seed(client: redis.Redis, prefix: str, *, servers: int, linked: int) -> None:
    Inventory(client, prefix=prefix).replace_all(inventory(servers), now=time.time())
    identities = IdentityStore(client, prefix=prefix)
    for who in CUSTOMERS:
        identities.link(who, "acme")
    for n in range(linked - len(CUSTOMERS)):
        user = Identity(platform="slack", workspace=testing.TEAM, user=f"U{n:08d}")
        identities.link(user, f"cust{n % 997}")


def composed(client: redis.Redis, prefix: str, notifier: BotNotifier) -> Dispatcher:
    queue = RqJobQueue(client, settings=JobSettings(prefix=prefix))
    return build_handler(
        client, notifier, queue, settings=policy(prefix), busy=BusyLocks(client, prefix=prefix)
    )
