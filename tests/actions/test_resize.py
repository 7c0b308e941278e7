from __future__ import annotations

import pytest

from actions.base import ActionError
from actions.common import parse_request
from actions.config import ActionsConfig, Limits
from actions.server.resize import ResizeAction, ResizeRequest
from proxmox.errors import ProxmoxConflict, ProxmoxLocked
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import run_chain

VM = "/nodes/pve1/qemu/101"
CHECKSUM = "checksum mismatch (file change by other user?)"


def _action(px: Proxmox, config: ActionsConfig | None = None) -> ResizeAction:
    return ResizeAction(px, config or ActionsConfig())


def _writes(sim: Simulator) -> list[tuple[str, str]]:
    return [(c.method, c.path) for c in sim.calls if c.method != "GET"]


def test_plan_reads_only_and_says_what_changes(sim: Simulator, px: Proxmox) -> None:
    request = ResizeRequest(vmid=101, cores=4, memory="8G", disk="+20G")
    plan = _action(px).plan(request)
    assert plan.render() == (
        "Resize server 101 (acme-web)\n"
        "• cores 2 → 4 (after reboot)\n"
        "• memory 4 → 8 GiB (after reboot)\n"
        "• disk 32 → 52 GiB (live)\n"
        f"Proxmox calls: PUT {VM}/config (cores=4, memory=8192, digest); GET {VM}/pending; "
        f"PUT {VM}/resize (disk=scsi0, size=52G)"
    )
    assert _writes(sim) == []


def test_resize_running_vm_exact_calls_and_pending_report(sim: Simulator, px: Proxmox) -> None:
    digest_before = sim.vms[101].digest
    request = ResizeRequest(vmid=101, cores=4, memory="8G", disk="+20G")
    chain = run_chain(sim, _action(px), request)

    assert [(m, p, dict(params)) for m, p, params in chain.calls["prepare"]] == [
        ("GET", "/cluster/resources", {"type": "vm"}),
        ("GET", f"{VM}/config", {}),
    ]
    assert chain.calls["configure"] == [
        ("GET", f"{VM}/config", {}),
        ("PUT", f"{VM}/config", {"cores": 4, "memory": 8192, "digest": digest_before}),
        ("GET", f"{VM}/status/current", {}),
        ("GET", f"{VM}/pending", {}),
    ]
    grow = chain.calls["grow_disk"]
    assert [(m, p) for m, p, _ in grow] == [("GET", f"{VM}/config"), ("PUT", f"{VM}/resize")]
    assert {k: v for k, v in grow[1][2].items() if k != "digest"} == {
        "disk": "scsi0",
        "size": "52G",
    }
    assert chain.calls["reboot"] == []

    assert chain.context["disk_bytes"] == 52 * 1024**3
    configure = chain.results[1]
    # Nothing took effect yet: what waits is said once, by the card's reboot line.
    assert configure.summary == ""
    assert configure.pending == ("cores 2 → 4", "memory 4 → 8 GiB")
    assert configure.needs_reboot
    vm = sim.vms[101]
    assert vm.pending == {"cores": 4, "memory": "8192"}
    assert str(vm.config["scsi0"]).endswith("size=52G")


def test_every_step_twice_grows_the_disk_once(sim: Simulator, px: Proxmox) -> None:
    request = ResizeRequest(vmid=101, cores=4, memory=8192, disk="+20G")
    chain = run_chain(sim, _action(px), request, repeat=2)
    vm = sim.vms[101]
    assert vm.config["scsi0"] == "local-lvm:vm-101-disk-0,discard=on,iothread=1,size=52G"
    assert vm.pending == {"cores": 4, "memory": "8192"}
    # The second configure and grow_disk only read: nothing left to change.
    assert [m for m, _, _ in chain.calls["configure"]].count("PUT") == 1
    assert [p for m, p, _ in chain.calls["grow_disk"] if m == "PUT"] == [f"{VM}/resize"]


def test_reboot_yes_applies_pending_changes_once(sim: Simulator, px: Proxmox) -> None:
    request = ResizeRequest(vmid=101, cores=4, reboot=True)
    chain = run_chain(sim, _action(px), request, repeat=2)
    reboots = [c for c in chain.calls["reboot"] if c[0] == "POST"]
    assert reboots == [("POST", f"{VM}/status/reboot", {})]
    assert chain.results[-1].summary == "not rebooted: nothing was waiting for a reboot"
    vm = sim.vms[101]
    assert vm.config["cores"] == 4
    assert vm.pending == {}
    assert vm.status == "running"


def test_stopped_vm_applies_at_once(sim: Simulator, px: Proxmox) -> None:
    chain = run_chain(sim, _action(px), ResizeRequest(vmid=102, memory="16G"))
    assert chain.results[1].summary == "memory set to 16 GiB (takes effect when the server starts)"
    assert not chain.results[1].needs_reboot
    assert sim.vms[102].config["memory"] == "16384"
    assert sim.vms[102].pending == {}


def test_shrink_is_refused_before_any_write_naming_the_current_size(
    sim: Simulator, px: Proxmox
) -> None:
    with pytest.raises(ActionError) as caught:
        _action(px).run_step("prepare", ResizeRequest(vmid=101, disk="20G"), {})
    assert str(caught.value) == (
        "disk: the disk of server 101 is 32 GiB and disks can only grow; 20 GiB would shrink it"
    )
    assert _writes(sim) == []


def test_limits_are_enforced(sim: Simulator, px: Proxmox) -> None:
    config = ActionsConfig(limits=Limits(max_cores=8, max_memory_mib=16384, max_disk_gib=100))
    action = _action(px, config)
    cases = {
        ResizeRequest(vmid=101, cores=12): "cores: at most 8 allowed, asked for 12",
        ResizeRequest(vmid=101, memory="32G"): "memory: at most 16 GiB allowed, asked for 32 GiB",
        ResizeRequest(vmid=101, disk="+80G"): "disk: at most 100 GiB allowed, asked for 112 GiB",
    }
    for request, message in cases.items():
        with pytest.raises(ActionError) as caught:
            action.run_step("prepare", request, {})
        assert str(caught.value) == message
    assert _writes(sim) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"vmid": 99, "cores": 2}, "vmid: expected a number from 100 to 999999999, got 99"),
        ({"vmid": 1_000_000_000}, "vmid: expected a number from 100 to 999999999, got 1000000000"),
        ({"vmid": 101, "memory": "lots"}, "memory: expected a size like 512M, 8G, 8GiB or 8192"),
        ({"vmid": 101, "memory": "0"}, "memory: must be more than 0, got '0'"),
        ({"vmid": 101, "memory": "-1G"}, "memory: must be more than 0, got '-1G'"),
        ({"vmid": 101, "disk": "0G"}, "disk: must be more than 0, got '0G'"),
        ({"vmid": 101, "disk": "-5G"}, "disk: disks can only grow"),
        ({"vmid": 101, "disk": "huge"}, "disk: expected a size like 50G (absolute) or +20G"),
        ({"vmid": 101, "cores": 0}, "cores: Input should be greater than or equal to 1"),
    ],
)
def test_bad_arguments_name_the_argument(args: dict[str, object], message: str) -> None:
    with pytest.raises(ActionError) as caught:
        parse_request(ResizeRequest, args)
    assert str(caught.value).startswith(message)


def test_unknown_vm_is_a_clear_refusal(sim: Simulator, px: Proxmox) -> None:
    with pytest.raises(ActionError, match=r"^server 555 does not exist$"):
        _action(px).plan(ResizeRequest(vmid=555, cores=2))


def test_unknown_disk_is_refused(px: Proxmox) -> None:
    with pytest.raises(ActionError, match=r"server 101 has no disk virtio3 \(disks: scsi0\)"):
        _action(px).plan(ResizeRequest(vmid=101, disk="+1G", disk_key="virtio3"))


def test_locked_vm_raises_retryable_error_naming_the_lock(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].config["lock"] = "backup"
    with pytest.raises(ProxmoxLocked) as caught:
        _action(px).run_step("configure", ResizeRequest(vmid=101, cores=4), {"node": "pve1"})
    assert caught.value.lock == "backup"
    assert caught.value.retryable
    assert _writes(sim) == []


def test_digest_mismatch_is_retried_once_after_rereading(sim: Simulator, px: Proxmox) -> None:
    sim.faults.fail_next(500, CHECKSUM, method="PUT", path="/config$")
    result = _action(px).run_step("configure", ResizeRequest(vmid=102, cores=6), {"node": "pve2"})
    assert result.summary == "cores set to 6 (takes effect when the server starts)"
    config_calls = [(c.method, c.status) for c in sim.calls if c.path.endswith("/config")]
    assert config_calls == [("GET", 200), ("PUT", 500), ("GET", 200), ("PUT", 200)]
    assert sim.vms[102].config["cores"] == 6


def test_second_digest_mismatch_raises_conflict(sim: Simulator, px: Proxmox) -> None:
    sim.faults.fail_next(500, CHECKSUM, method="PUT", path="/config$", count=2)
    with pytest.raises(ProxmoxConflict) as caught:
        _action(px).run_step("configure", ResizeRequest(vmid=102, cores=6), {"node": "pve2"})
    assert caught.value.digest_mismatch
    assert sim.vms[102].config["cores"] == 4


def test_memory_hotplug_is_live_while_cores_wait(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].config.update(hotplug="disk,network,usb,memory", numa=1)
    request = ResizeRequest(vmid=101, cores=3, memory="6G")
    plan = _action(px).plan(request)
    assert [c.render() for c in plan.changes] == [
        "cores 2 → 3 (after reboot)",
        "memory 4 → 6 GiB (live)",
    ]
    result = _action(px).run_step("configure", request, {"node": "pve1"})
    assert result.summary == "memory set to 6 GiB"
    assert result.pending == ("cores 2 → 3",)
    assert sim.vms[101].config["memory"] == "6144"
    assert sim.vms[101].pending == {"cores": 3}


def test_plan_with_nothing_to_change(px: Proxmox) -> None:
    plan = _action(px).plan(ResizeRequest(vmid=101, cores=2, disk="32G"))
    assert plan.render() == (
        "Resize server 101 (acme-web): nothing to change\n"
        "• cores 2 → 2 (unchanged)\n"
        "• disk 32 → 32 GiB (unchanged)"
    )


def test_a_disk_is_named_as_its_owner_knows_it_when_there_are_several(
    sim: Simulator, px: Proxmox
) -> None:
    sim.vms[101].config["virtio1"] = "local-lvm:vm-101-disk-1,size=10G"
    boot = _action(px).plan(ResizeRequest(vmid=101, disk="+8G"))
    other = _action(px).plan(ResizeRequest(vmid=101, disk="20G", disk_key="virtio1"))
    assert [c.render() for c in boot.changes] == ["boot disk 32 → 40 GiB (live)"]
    assert [c.render() for c in other.changes] == ["second disk 10 → 20 GiB (live)"]
    grown = _action(px).run_step(
        "grow_disk",
        ResizeRequest(vmid=101),
        {"node": "pve1", "disk_key": "virtio1", "disk_bytes": 20 * 1024**3},
    )
    assert grown.summary == "second disk grown to 20 GiB"
