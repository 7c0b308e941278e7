from __future__ import annotations

import pytest

from actions.base import ActionError
from actions.common import parse_request
from actions.config import ActionsConfig
from actions.server.build import BuildAction, BuildRequest
from actions.server.rebuild import RebuildAction, RebuildRequest
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import FakeReservations, run_chain

RESOURCES = ("GET", "/cluster/resources", {"type": "vm"})
KEYS = "ssh-ed25519 AAAA key1@x\nssh-rsa BBBB key2@y"
ENCODED_KEYS = "ssh-ed25519%20AAAA%20key1%40x%0Assh-rsa%20BBBB%20key2%40y%0A"


def _request(**kw: object) -> BuildRequest:
    args: dict[str, object] = {
        "account": "acme",
        "cores": 2,
        "memory": "2G",
        "disk": "20G",
        "name": "acme-new",
        "sshkeys": KEYS,
        "ciuser": "acme",
    }
    return BuildRequest.model_validate({**args, **kw})


def _without_digest(params: dict[str, object]) -> dict[str, object]:
    assert isinstance(params.pop("digest"), str)
    return params


def test_build_chain_exact_calls_and_end_state(
    sim: Simulator, px: Proxmox, reservations: FakeReservations
) -> None:
    chain = run_chain(sim, BuildAction(px, ActionsConfig(), reservations), _request())
    assert chain.calls["allocate"] == [
        RESOURCES,
        ("GET", "/nodes", {}),
        ("GET", "/nodes/pve1/storage", {"content": "images"}),
        ("GET", "/nodes/pve1/qemu/9000/config", {}),
        ("GET", "/cluster/nextid", {}),
    ]
    assert chain.calls["clone"] == [
        RESOURCES,
        (
            "POST",
            "/nodes/pve1/qemu/9000/clone",
            {"newid": 100, "name": "acme-new", "storage": "local-lvm", "full": 1},
        ),
    ]
    (get, put) = chain.calls["configure"]
    assert get == ("GET", "/nodes/pve1/qemu/100/config", {})
    assert put[:2] == ("PUT", "/nodes/pve1/qemu/100/config")
    assert _without_digest(put[2]) == {
        "cores": 2,
        "tags": "owner-acme",
        "ciuser": "acme",
        "sshkeys": ENCODED_KEYS,
    }
    (_, resize) = chain.calls["grow_disk"]
    assert resize[:2] == ("PUT", "/nodes/pve1/qemu/100/resize")
    assert _without_digest(resize[2]) == {"disk": "scsi0", "size": "20G"}
    assert chain.calls["start"] == [
        ("GET", "/nodes/pve1/qemu/100/status/current", {}),
        ("POST", "/nodes/pve1/qemu/100/status/start", {}),
    ]
    vm = sim.vms[100]
    assert vm.status == "running"
    assert vm.config["tags"] == "owner-acme"
    assert vm.config["scsi0"] == "local-lvm:vm-100-disk-0,discard=on,size=20G"
    assert (vm.config["cores"], vm.config["memory"], vm.config["name"]) == (2, "2048", "acme-new")
    assert reservations.held == {}
    assert reservations.released == [100]


def test_build_steps_twice_make_one_vm(
    sim: Simulator, px: Proxmox, reservations: FakeReservations
) -> None:
    before = set(sim.vms)
    run_chain(sim, BuildAction(px, ActionsConfig(), reservations), _request(), repeat=2)
    assert set(sim.vms) - before == {100}
    assert str(sim.vms[100].config["scsi0"]).endswith("size=20G")
    assert sum(1 for c in sim.calls if c.path.endswith("/clone")) == 1
    assert sum(1 for c in sim.calls if c.path.endswith("/status/start")) == 1


def test_vmid_reserved_by_another_build_is_skipped(
    sim: Simulator, px: Proxmox, reservations: FakeReservations
) -> None:
    reservations.reserve(100, "someone-else")
    result = BuildAction(px, ActionsConfig(), reservations).run_step("allocate", _request(), {})
    # 100 is held by another build; 101-103 exist, so nextid?vmid= refuses them.
    assert result.context["vmid"] == 104
    nextid = [(c.params, c.status) for c in sim.calls if c.path == "/cluster/nextid"]
    assert nextid == [
        ({}, 200),
        ({"vmid": "101"}, 400),
        ({"vmid": "102"}, 400),
        ({"vmid": "103"}, 400),
        ({"vmid": "104"}, 200),
    ]
    assert reservations.held == {100: "someone-else", 104: "build:acme:acme-new"}


def test_plan_is_readable(px: Proxmox, reservations: FakeReservations) -> None:
    plan = BuildAction(px, ActionsConfig(), reservations).plan(_request(start=False))
    assert plan.render() == (
        "Build a server for acme from template debian-12 (9000) on pve1\n"
        "• cores - → 2\n• memory - → 2 GiB\n• disk - → 20 GiB\n• owner - → owner-acme\n"
        "Proxmox calls: GET /cluster/nextid (VMID reserved for this build); "
        "POST /nodes/pve1/qemu/9000/clone (full=1, storage=local-lvm); "
        "PUT …/config (name, cores, memory, tags, ciuser, sshkeys, ipconfig0, digest); "
        "PUT …/resize (size=20G)"
    )


@pytest.mark.parametrize(
    ("kw", "config", "message"),
    [
        (
            {"template": "arch"},
            ActionsConfig(),
            "template: no template VM named 'arch' (available: debian-12, ubuntu-24.04)",
        ),
        (
            {},
            ActionsConfig(clone_storage="ceph"),
            "storage: 'ceph' is not available for disks on pve1 (available: local-lvm)",
        ),
        ({"node": "pve9"}, ActionsConfig(), "node: no node 'pve9' (nodes: pve1, pve2, pve3)"),
        (
            {"disk": "5G"},
            ActionsConfig(),
            "disk: template debian-12 has a 10 GiB disk; ask for at least that, not 5 GiB",
        ),
        ({"cores": 64}, ActionsConfig(), "cores: at most 16 allowed, asked for 64"),
    ],
)
def test_build_refusals_reserve_nothing(
    sim: Simulator,
    px: Proxmox,
    reservations: FakeReservations,
    kw: dict[str, object],
    config: ActionsConfig,
    message: str,
) -> None:
    with pytest.raises(ActionError) as caught:
        BuildAction(px, config, reservations).run_step("allocate", _request(**kw), {})
    assert str(caught.value) == message
    assert reservations.held == {}
    assert all(c.method == "GET" for c in sim.calls)


def test_build_request_validation() -> None:
    with pytest.raises(ActionError, match="disk: a new server needs an absolute size"):
        parse_request(BuildRequest, {"account": "acme", "cores": 1, "memory": 512, "disk": "+5G"})
    with pytest.raises(ActionError, match="account: String should match pattern"):
        parse_request(BuildRequest, {"account": "A B", "cores": 1, "memory": 512, "disk": "5G"})


def test_rebuild_keeps_identity_size_and_owner(sim: Simulator, px: Proxmox) -> None:
    old_disk = sim.vms[101].config["scsi0"]
    request = RebuildRequest(vmid=101, backup=True, requested_by="slack:T1:U1")
    chain = run_chain(sim, RebuildAction(px, ActionsConfig()), request)
    writes = [(m, p) for m, p, _ in chain.all_calls if m != "GET"]
    assert writes == [
        ("POST", "/nodes/pve1/vzdump"),
        ("POST", "/nodes/pve1/qemu/101/status/stop"),
        ("DELETE", "/nodes/pve1/qemu/101"),
        ("POST", "/nodes/pve1/qemu/9000/clone"),
        ("PUT", "/nodes/pve1/qemu/101/config"),
        ("PUT", "/nodes/pve1/qemu/101/resize"),
        ("POST", "/nodes/pve1/qemu/101/status/start"),
    ]
    assert chain.calls["backup"][0][2] == {
        "vmid": "101",
        "storage": "backup",
        "mode": "snapshot",
        "compress": "zstd",
        "remove": 0,
        "notes-template": "before rebuild (requested by slack:T1:U1 via Jotunheim)",
    }
    assert chain.calls["destroy"][-1][2] == {"purge": "0", "destroy-unreferenced-disks": "1"}
    vm = sim.vms[101]
    assert (vm.node, vm.status, vm.config["name"], vm.config["tags"]) == (
        "pve1",
        "running",
        "acme-web",
        "owner-acme",
    )
    assert (vm.config["cores"], vm.config["memory"]) == (2, "4096")
    assert vm.config["scsi0"] == "local-lvm:vm-101-disk-0,discard=on,size=32G"
    assert vm.config["scsi0"] != old_disk
    assert vm.config["ipconfig0"] == "ip=203.0.113.11/24,gw=203.0.113.1"
    assert vm.config["nameserver"] == "1.1.1.1"
    assert len(sim.backups(101)) == 3


def test_rebuild_twice_ends_the_same(sim: Simulator, px: Proxmox) -> None:
    request = RebuildRequest(vmid=101, start=False)
    chain = run_chain(sim, RebuildAction(px, ActionsConfig()), request, repeat=2)
    writes = [(m, p) for m, p, _ in chain.all_calls if m != "GET"]
    assert writes == [
        ("POST", "/nodes/pve1/qemu/101/status/stop"),
        ("DELETE", "/nodes/pve1/qemu/101"),
        ("POST", "/nodes/pve1/qemu/9000/clone"),
        ("PUT", "/nodes/pve1/qemu/101/config"),
        ("PUT", "/nodes/pve1/qemu/101/resize"),
    ]
    vm = sim.vms[101]
    assert (vm.node, vm.status, vm.config["tags"]) == ("pve1", "stopped", "owner-acme")
    assert str(vm.config["scsi0"]).endswith("size=32G")


def test_rebuild_refuses_a_template_it_cannot_clone_before_destroying(
    sim: Simulator, px: Proxmox
) -> None:
    with pytest.raises(ActionError) as caught:
        RebuildAction(px, ActionsConfig()).run_step("prepare", RebuildRequest(vmid=102), {})
    assert str(caught.value) == (
        "template 9000 is on pve1 with local storage (local-lvm), so it cannot be cloned to "
        "pve2; nothing was changed"
    )
    assert all(c.method == "GET" for c in sim.calls)
    assert 102 in sim.vms


def test_rebuild_plan_and_protection(sim: Simulator, px: Proxmox) -> None:
    plan = RebuildAction(px, ActionsConfig()).plan(
        RebuildRequest(vmid=101, template="ubuntu-24.04")
    )
    assert plan.render().splitlines()[:2] == [
        "Rebuild server 101 (acme-web) from template ubuntu-24.04, keeping its size, name and "
        "owner",
        "• system disk current contents → fresh ubuntu-24.04",
    ]
    assert "⚠ all data on the server is lost (no backup asked)" in plan.render()
    sim.vms[101].config["protection"] = 1
    with pytest.raises(ActionError, match="protected"):
        RebuildAction(px, ActionsConfig()).run_step("prepare", RebuildRequest(vmid=101), {})


def test_build_takes_the_next_vmid_when_its_reserved_one_is_taken_before_the_clone(
    sim: Simulator, px: Proxmox, reservations: FakeReservations
) -> None:
    """/cluster/nextid reserves nothing: someone outside the bot may create that VMID."""
    action = BuildAction(px, ActionsConfig(), reservations)
    request = _request(name=None, holder="chain-1")
    allocated = action.run_step("allocate", request, {}).context
    assert allocated["vmid"] == 100
    px.servers.clone("pve1", 9000, 100, name="made-by-hand", full=True)
    sim.finish_tasks()

    cloned = action.run_step("clone", request, allocated)
    sim.finish_tasks()

    moved = int(cloned.context["vmid"])
    assert moved != 100
    assert cloned.context["name"] == f"acme-{moved}"
    assert cloned.upid is not None
    assert sim.vms[moved].config["name"] == f"acme-{moved}"
    assert sim.vms[100].config["name"] == "made-by-hand"
    assert reservations.held == {moved: "chain-1"}
    assert 100 in reservations.released


def test_build_of_an_exact_vmid_taken_before_the_clone_is_refused(
    sim: Simulator, px: Proxmox, reservations: FakeReservations
) -> None:
    action = BuildAction(px, ActionsConfig(), reservations)
    request = _request(vmid=150)
    allocated = action.run_step("allocate", request, {}).context
    px.servers.clone("pve1", 9000, 150, name="made-by-hand", full=True)
    sim.finish_tasks()

    with pytest.raises(ActionError, match="vmid: 150 is already used by another server"):
        action.run_step("clone", request, allocated)


def test_build_sets_a_static_ipconfig0(
    sim: Simulator, px: Proxmox, reservations: FakeReservations
) -> None:
    static = "ip=192.0.2.10/24,gw=192.0.2.1"
    chain = run_chain(
        sim, BuildAction(px, ActionsConfig(), reservations), _request(ipconfig0=static)
    )
    (_, put) = chain.calls["configure"]
    assert put[2]["ipconfig0"] == static
    assert sim.vms[100].config["ipconfig0"] == static
