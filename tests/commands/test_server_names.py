"""Server names are not unique across accounts: a customer's name is resolved among their own
servers only (another account's server of the same name neither hides theirs nor shows), and
an admin naming a shared name is asked for the VMID.

The demo fleet names its servers apart (101 acme-web, 102 acme-db, 103 globex-app); a test
renames one in Proxmox (the simulator) and syncs, as a customer renaming a server does."""

from __future__ import annotations

from tests.support.testbot import TestBot


def rename(bot: TestBot, names: dict[int, str]) -> None:
    for vmid, name in names.items():
        bot.sim.vms[vmid].config["name"] = name
    bot.sync()
    bot.sim.clear_calls()


def test_each_customer_gets_their_own_server_of_a_shared_name(testbot: TestBot) -> None:
    rename(testbot, {102: "Globex-App"})  # acme's 102 now shares globex's 103's name
    testbot.send("gina", "/server status globex-app")
    testbot.send("alice", "/server status GLOBEX-APP")
    assert [(r.vmid, r.account) for r in testbot.requests().values()] == [
        (103, "globex"),
        (102, "acme"),
    ]


def test_a_name_only_another_account_uses_looks_nonexistent(testbot: TestBot) -> None:
    theirs = testbot.send("alice", "/server status globex-app")
    missing = testbot.send("alice", "/server status nosuch")
    assert theirs.text == "server globex-app not found"
    assert missing.text == "server nosuch not found"
    assert theirs.model_dump(exclude={"text"}) == missing.model_dump(exclude={"text"})
    assert testbot.jobs_created() == 0
    assert testbot.calls == []


def test_admin_is_asked_for_the_vmid_of_an_ambiguous_name(testbot: TestBot) -> None:
    rename(testbot, {102: "Globex-App"})
    reply = testbot.send("boss", "/server status globex-app")
    assert reply.text == ("several servers are called globex-app: VMIDs 102, 103; use the VMID")
    assert reply.tone == "warning"
    assert testbot.jobs_created() == 0
    testbot.send("boss", "/server status acme-web")  # a unique name still works
    assert [r.vmid for r in testbot.requests().values()] == [101]


def test_customer_with_two_servers_of_one_name_sees_only_their_vmids(testbot: TestBot) -> None:
    rename(testbot, {101: "Shop", 102: "shop", 103: "shop"})
    reply = testbot.send("alice", "/server status shop")
    assert reply.text == "several servers are called shop: VMIDs 101, 102; use the VMID"
