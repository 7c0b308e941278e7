"""The inventory cache against real Redis: what the ack path and autocomplete rely on."""

from __future__ import annotations

from typing import cast

import redis

from jobs.state.inventory import Inventory, InventoryEntry


def entry(
    vmid: int, node: str = "pve1", name: str = "", owner: str | None = None
) -> InventoryEntry:
    return InventoryEntry(vmid=vmid, node=node, name=name or f"vm{vmid}", owner=owner)


def test_replace_all_follows_moves_and_forgets_deleted_vms(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    inv = Inventory(redis_client, prefix=key_prefix)
    inv.replace_all([entry(101, owner="acme"), entry(102, owner="acme")], now=1.0)
    inv.replace_all([entry(101, node="pve2", owner="acme")], now=2.0)

    assert inv.get(101) == entry(101, node="pve2", owner="acme")
    assert inv.get(102) is None
    assert inv.named("vm102") == []
    assert [e.vmid for e in inv.owned_by("acme")] == [101]
    assert inv.synced_at() == 2.0


def test_names_are_found_case_insensitively(redis_client: redis.Redis, key_prefix: str) -> None:
    inv = Inventory(redis_client, prefix=key_prefix)
    inv.replace_all([entry(101, name="Web-1", owner="acme")], now=1.0)

    assert inv.named("web-1") == inv.named("WEB-1") == [inv.get(101)]
    assert inv.named("web-2") == []


def test_put_moves_ownership_and_name_index(redis_client: redis.Redis, key_prefix: str) -> None:
    inv = Inventory(redis_client, prefix=key_prefix)
    inv.put(entry(105, name="old", owner="acme"))
    inv.put(entry(105, name="new", owner="globex"))

    assert inv.owned_by("acme") == []
    assert [e.vmid for e in inv.owned_by("globex")] == [105]
    assert inv.named("old") == []
    assert inv.named("new") == [entry(105, name="new", owner="globex")]


def test_remove_clears_every_index(redis_client: redis.Redis, key_prefix: str) -> None:
    inv = Inventory(redis_client, prefix=key_prefix)
    inv.put(entry(107, name="gone", owner="acme"))
    inv.remove(107)

    assert inv.get(107) is None
    assert inv.named("gone") == []
    assert inv.owned_by("acme") == []
    assert inv.all() == []


def test_search_matches_vmid_prefix_or_name_substring_within_owner(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    inv = Inventory(redis_client, prefix=key_prefix)
    inv.replace_all(
        [
            entry(101, name="web-1", owner="acme"),
            entry(102, name="db", owner="acme"),
            entry(1010, name="shop", owner="globex"),
            entry(203, name="web-2", owner="globex"),
        ],
        now=1.0,
    )

    assert [e.vmid for e in inv.search("101")] == [101, 1010]
    assert [e.vmid for e in inv.search("WEB")] == [101, 203]
    assert [e.vmid for e in inv.search("web", owner="acme")] == [101]
    assert [e.vmid for e in inv.search("", owner="acme")] == [101, 102]
    assert [e.vmid for e in inv.search("", limit=2)] == [101, 102]
    assert inv.search("", owner="nobody") == []
    inv.remove(101)
    assert [e.vmid for e in inv.search("web")] == [203]


def test_search_sees_writes_made_by_another_process(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    """The bot keeps labels in memory; a worker's write through its own Inventory must
    still show up in the bot's next search."""
    bot, worker = (
        Inventory(redis_client, prefix=key_prefix),
        Inventory(redis_client, prefix=key_prefix),
    )
    worker.replace_all([entry(101, name="web")], now=1.0)
    assert [e.vmid for e in bot.search("web")] == [101]

    worker.put(entry(102, name="web-2"))
    assert [e.vmid for e in bot.search("web")] == [101, 102]
    worker.remove(101)
    assert [e.vmid for e in bot.search("web")] == [102]
    worker.replace_all([entry(103, name="shop")], now=2.0)
    assert [e.vmid for e in bot.search("")] == [103]


def test_named_finds_every_server_of_a_name_or_only_an_owners(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    inv = Inventory(redis_client, prefix=key_prefix)
    inv.replace_all([entry(201, name="shop", owner="globex")], now=1.0)
    inv.put(entry(103, name="Shop", owner="acme"))  # a later write must not hide 201

    assert [e.vmid for e in inv.named("SHOP")] == [103, 201]
    assert [e.vmid for e in inv.named("shop", owner="globex")] == [201]
    assert [e.vmid for e in inv.named("shop", owner="acme")] == [103]
    assert inv.named("shop", owner="nobody") == []
    assert len(inv.named("shop")) == 2  # both: the policy refuses to guess
    inv.remove(103)
    assert inv.named("shop") == [entry(201, name="shop", owner="globex")]
    inv.put(entry(201, name="store", owner="globex"))
    assert inv.named("shop") == []
    assert [e.vmid for e in inv.named("store", owner="globex")] == [201]


class CountingRedis:
    """Passes every call through to Redis, counting HGETALLs (full label fetches)."""

    def __init__(self, inner: redis.Redis) -> None:
        self.inner = inner
        self.hgetalls = 0

    def hgetall(self, key: str) -> object:
        self.hgetalls += 1
        return self.inner.hgetall(key)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def test_a_sync_that_changes_no_name_keeps_the_label_cache(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    counting = CountingRedis(redis_client)
    bot = Inventory(cast(redis.Redis, counting), prefix=key_prefix)
    worker = Inventory(redis_client, prefix=key_prefix)
    fleet = [entry(101, name="web"), entry(102, name="db")]
    worker.replace_all(fleet, now=1.0)

    bot.search("w")
    worker.replace_all(fleet, now=31.0)  # the 30-second sync: same names
    bot.search("d")
    assert counting.hgetalls == 1

    worker.replace_all([entry(101, name="web"), entry(102, name="db-new")], now=61.0)
    assert [e.name for e in bot.search("new")] == ["db-new"]
    assert counting.hgetalls == 2


def test_vmids_follow_every_write_in_order_for_pages(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    """What a paged list counts and slices: ascending, current after each kind of write,
    even in a process that kept the labels from before (another process wrote)."""
    inv = Inventory(redis_client, prefix=key_prefix)
    other = Inventory(redis_client, prefix=key_prefix)
    inv.replace_all([entry(300, owner="acme"), entry(101), entry(2000, owner="acme")], now=1.0)
    assert inv.vmids() == [101, 300, 2000]

    other.put(entry(150, owner="globex"))
    other.remove(300)
    assert inv.vmids() == [101, 150, 2000]
    assert inv.vmids(owner="acme") == [2000]
    assert [e.vmid for e in inv.entries([2000, 999, 101])] == [101, 2000]  # 999 is gone
