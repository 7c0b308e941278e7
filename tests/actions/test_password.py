from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from actions.config import ActionsConfig
from actions.server import password as password_module
from actions.server.password import PasswordAction, PasswordRequest
from proxmox.errors import ProxmoxApiException, ProxmoxLocked
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import run_step

VM = "/nodes/pve1/qemu/101"


def _password(px: Proxmox) -> PasswordAction:
    return PasswordAction(px, ActionsConfig())


def test_password_is_set_and_applied_live_through_the_agent(
    sim: Simulator, px: Proxmox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hash_before = sim.vms[101].config["cipassword"]
    result, calls = run_step(sim, _password(px), PasswordRequest(vmid=101))
    assert result.private is not None
    secret = result.private.get_secret_value()
    assert len(secret) == 20

    assert [(m, p) for m, p, _ in calls] == [
        ("GET", "/cluster/resources"),
        ("GET", f"{VM}/config"),
        ("PUT", f"{VM}/config"),
        ("PUT", f"{VM}/cloudinit"),
        ("GET", f"{VM}/status/current"),
        ("POST", f"{VM}/agent/set-user-password"),
    ]
    put = calls[2][2]
    assert put["cipassword"] == secret
    assert set(put) == {"cipassword", "digest"}
    assert calls[5][2] == {"username": "acme", "password": secret}

    vm = sim.vms[101]
    assert vm.guest_passwords == {"acme": secret}
    assert vm.config["cipassword"] != hash_before
    assert vm.ci_applied["cipassword"] == vm.config["cipassword"]
    assert result.summary == "new password for acme on server 101 set and active now"
    assert not result.needs_reboot
    shown = " ".join([result.summary, repr(result), str(result.context), caplog.text])
    assert secret not in shown


def test_agent_failure_says_a_reboot_applies_it(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].agent_up = False
    result, _ = run_step(sim, _password(px), PasswordRequest(vmid=101, username="root"))
    assert result.summary == (
        "new password for root on server 101 set; the guest agent did not answer, "
        "so reboot the server to apply it"
    )
    assert result.needs_reboot
    assert result.private is not None
    assert sim.vms[101].guest_passwords == {}


def test_stopped_vm_gets_it_at_next_start(sim: Simulator, px: Proxmox) -> None:
    result, calls = run_step(sim, _password(px), PasswordRequest(vmid=102))
    assert "agent" not in " ".join(p for _, p, _ in calls)
    assert result.summary.endswith("set; it takes effect when the server next starts")


def test_plan_never_contains_a_password(px: Proxmox) -> None:
    plan = _password(px).plan(PasswordRequest(vmid=101))
    assert plan.render() == (
        "Set a new generated password for acme on server 101; it applies now through the "
        "guest agent and is shown only to you\n"
        "• password of acme (hidden) → (new)\n"
        f"Proxmox calls: PUT {VM}/config (cipassword, digest); PUT {VM}/cloudinit; "
        f"POST {VM}/agent/set-user-password"
    )


def test_errors_never_carry_the_password(
    sim: Simulator, px: Proxmox, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = "Kn0wn-Pa55word-For-Test"
    monkeypatch.setattr(password_module, "generate_password", lambda: SecretStr(known))
    # A server that echoes the submitted value in its error text.
    sim.faults.fail_next(500, f"invalid value {known}", method="PUT", path="/config$")
    with pytest.raises(ProxmoxApiException) as caught:
        run_step(sim, _password(px), PasswordRequest(vmid=101))
    assert known not in str(caught.value)
    assert known not in repr(caught.value)
    assert "invalid value <redacted>" in str(caught.value)


def test_locked_vm(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].config["lock"] = "backup"
    with pytest.raises(ProxmoxLocked) as caught:
        run_step(sim, _password(px), PasswordRequest(vmid=101))
    assert caught.value.lock == "backup"
    assert [c.method for c in sim.calls] == ["GET", "GET"]
