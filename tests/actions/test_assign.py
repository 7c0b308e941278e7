"""AssignAction against the simulator: the owner tag is replaced, other tags kept, idempotent."""

from __future__ import annotations

import pytest

from actions.base import ActionError, Change
from actions.common import parse_request
from actions.config import ActionsConfig
from actions.server.assign import AssignAction, AssignRequest
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import run_step


def _tags(sim: Simulator, vmid: int) -> list[str]:
    return str(sim.vms[vmid].config["tags"]).split(";")


def test_the_owner_tag_is_replaced_and_other_tags_are_kept(sim: Simulator, px: Proxmox) -> None:
    result, calls = run_step(
        sim, AssignAction(px, ActionsConfig()), AssignRequest(vmid=103, account="acme")
    )

    assert sorted(_tags(sim, 103)) == ["owner-acme", "production"]
    writes = [c for c in calls if c[0] != "GET"]
    assert len(writes) == 1
    method, path, params = writes[0]
    assert (method, path) == ("PUT", "/nodes/pve3/qemu/103/config")
    assert params["digest"]  # guarded against a concurrent edit
    assert sorted(str(params["tags"]).split(";")) == ["owner-acme", "production"]
    assert result.upid is None
    assert result.summary == "server 103 now belongs to acme (was globex)"
    assert result.context["owner"] == "acme"
    assert result.context["previous_owner"] == "globex"


def test_assigning_again_writes_nothing(sim: Simulator, px: Proxmox) -> None:
    action = AssignAction(px, ActionsConfig())
    run_step(sim, action, AssignRequest(vmid=103, account="acme"))

    again, calls = run_step(sim, action, AssignRequest(vmid=103, account="acme"))

    assert [c for c in calls if c[0] != "GET"] == []
    assert again.summary == "server 103 already belongs to acme"


def test_plan_shows_the_owner_before_and_after_and_changes_nothing(
    sim: Simulator, px: Proxmox
) -> None:
    plan = AssignAction(px, ActionsConfig()).plan(AssignRequest(vmid=101, account="globex"))

    assert plan.changes == (Change(what="owner", before="acme", after="globex"),)
    assert plan.calls == ("PUT /nodes/pve1/qemu/101/config (tags, digest)",)
    assert _tags(sim, 101) == ["owner-acme"]
    unchanged = AssignAction(px, ActionsConfig()).plan(AssignRequest(vmid=101, account="acme"))
    assert unchanged.calls == ()


def test_a_configured_prefix_is_used(sim: Simulator, px: Proxmox) -> None:
    config = ActionsConfig(owner_tag_prefix="cust-")
    run_step(sim, AssignAction(px, config), AssignRequest(vmid=102, account="initech"))

    # "owner-acme" is not an owner tag under this prefix, so it is kept.
    assert sorted(_tags(sim, 102)) == ["cust-initech", "owner-acme"]


def test_retagged_replaces_every_owner_tag_in_place() -> None:
    action = AssignAction.__new__(AssignAction)
    action.config = ActionsConfig()

    assert action.retagged(["a", "owner-x", "b", "owner-y"], "new") == ["a", "owner-new", "b"]
    assert action.retagged(["a", "b"], "new") == ["a", "b", "owner-new"]
    assert action.retagged(["owner-", "b"], "new") == ["owner-", "b", "owner-new"]


def test_templates_and_missing_servers_are_refused(sim: Simulator, px: Proxmox) -> None:
    action = AssignAction(px, ActionsConfig())
    with pytest.raises(ActionError, match="server 9000 is a template"):
        action.run_step("execute", AssignRequest(vmid=9000, account="acme"), {})
    with pytest.raises(ActionError, match="server 4242 does not exist"):
        action.run_step("execute", AssignRequest(vmid=4242, account="acme"), {})
    assert "owner-acme" not in str(sim.vms[9000].config.get("tags", ""))


def test_an_account_that_is_not_a_valid_tag_is_refused() -> None:
    with pytest.raises(ActionError, match=r"account: .*expected lowercase"):
        parse_request(AssignRequest, {"vmid": 101, "account": "Acme;evil"})
