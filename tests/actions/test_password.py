from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from actions.base import ActionError, NotDelivered
from actions.config import ActionsConfig
from actions.server import password as password_module
from actions.server.password import PasswordAction, PasswordRequest
from proxmox.errors import ProxmoxApiException, ProxmoxLocked
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import run_step

VM = "/nodes/pve1/qemu/101"


class PrivateInbox:
    """The requester's private messages, as the chain engine would deliver them; ``down``
    makes delivery fail, and ``sent_before`` records how many config writes the simulator
    had seen when each message went out."""

    def __init__(self, sim: Simulator | None = None, *, down: bool = False) -> None:
        self.sim, self.down = sim, down
        self.messages: list[tuple[str, str]] = []
        self.sent_before: list[int] = []

    def __call__(self, text: str, secret: SecretStr) -> None:
        if self.down:
            raise NotDelivered("chat platform unavailable")
        writes = [c for c in self.sim.calls if c.method == "PUT"] if self.sim else []
        self.sent_before.append(len(writes))
        self.messages.append((text, secret.get_secret_value()))


def _password(px: Proxmox, inbox: PrivateInbox | None = None) -> PasswordAction:
    action = PasswordAction(px, ActionsConfig())
    action.private = inbox if inbox is not None else PrivateInbox()
    return action


def test_password_is_set_and_applied_live_through_the_agent(
    sim: Simulator, px: Proxmox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hash_before = sim.vms[101].config["cipassword"]
    inbox = PrivateInbox(sim)
    result, calls = run_step(sim, _password(px, inbox), PasswordRequest(vmid=101))
    [(told, secret)] = inbox.messages
    assert told == "Your new password for acme on server 101 (being set now):"
    assert len(secret) == 20
    assert inbox.sent_before == [0]  # shown to its owner before anything was written

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
    assert result.summary == "new password for acme set and active now"
    assert not result.needs_reboot
    shown = " ".join([result.summary, repr(result), str(result.context), caplog.text])
    assert secret not in shown


def test_agent_failure_says_a_reboot_applies_it(sim: Simulator, px: Proxmox) -> None:
    sim.vms[101].agent_up = False
    result, _ = run_step(sim, _password(px), PasswordRequest(vmid=101, username="root"))
    assert result.summary == ("new password for root set (the guest agent did not answer)")
    assert result.needs_reboot
    assert sim.vms[101].guest_passwords == {}


def test_stopped_vm_gets_it_at_next_start(sim: Simulator, px: Proxmox) -> None:
    result, calls = run_step(sim, _password(px), PasswordRequest(vmid=102))
    assert "agent" not in " ".join(p for _, p, _ in calls)
    assert result.summary.endswith("set (takes effect when the server starts)")
    assert not result.needs_reboot  # starting it is enough: no reboot to offer


def test_a_password_that_cannot_reach_its_owner_is_never_set(sim: Simulator, px: Proxmox) -> None:
    hash_before = sim.vms[101].config["cipassword"]
    action = _password(px, PrivateInbox(sim, down=True))

    with pytest.raises(ActionError) as refused:
        run_step(sim, action, PasswordRequest(vmid=101))

    assert str(refused.value) == (
        "I could not reach you privately, so the password was not changed; "
        "check that I may message you, then ask again"
    )
    assert sim.vms[101].config["cipassword"] == hash_before
    assert [c for c in sim.calls if c.method in ("PUT", "POST")] == []


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
