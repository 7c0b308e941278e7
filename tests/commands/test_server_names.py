"""Server names are not unique across accounts: a customer's name is resolved among their own
servers only (another account's server of the same name neither hides theirs nor shows), and
an admin naming a shared name is asked for the VMID."""

from __future__ import annotations

from jobs.state.inventory import InventoryEntry
from tests.commands.conftest import World

ACME_SHOP = InventoryEntry(vmid=103, node="pve1", name="Shop", owner="acme")


def test_each_customer_gets_their_own_server_of_a_shared_name(world: World) -> None:
    world.inventory.put(ACME_SHOP)  # written after globex's 201 "shop"
    world.say("gina", "status shop")
    world.say("alice", "status SHOP")
    assert [(r.vmid, r.account) for r in world.queue.submitted] == [
        (201, "globex"),
        (103, "acme"),
    ]


def test_a_name_only_another_account_uses_looks_nonexistent(world: World) -> None:
    theirs = world.say("alice", "status shop")
    missing = world.say("alice", "status nosuch")
    assert theirs.text == "server shop not found"
    assert missing.text == "server nosuch not found"
    assert theirs.model_dump(exclude={"text"}) == missing.model_dump(exclude={"text"})
    assert world.queue.submitted == []


def test_admin_is_asked_for_the_vmid_of_an_ambiguous_name(world: World) -> None:
    world.inventory.put(ACME_SHOP)
    reply = world.say("boss", "status shop")
    assert reply.text == "several servers are called shop: VMIDs 103, 201; use the VMID"
    assert reply.tone == "warning"
    assert world.queue.submitted == []
    world.say("boss", "status web1")  # a unique name still works
    assert [r.vmid for r in world.queue.submitted] == [101]


def test_customer_with_two_servers_of_one_name_sees_only_their_vmids(world: World) -> None:
    world.inventory.put(ACME_SHOP)
    world.inventory.put(ACME_SHOP.model_copy(update={"vmid": 104}))
    reply = world.say("alice", "status shop")
    assert reply.text == "several servers are called shop: VMIDs 103, 104; use the VMID"
