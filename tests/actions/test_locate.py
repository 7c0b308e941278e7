from __future__ import annotations

import pytest

from actions.base import ActionError
from actions.common import parse_request
from actions.config import ActionsConfig
from actions.server.delete import DeleteAction, DeleteRequest
from actions.server.power import PowerRequest
from actions.vm import check_vmid, find_vm, locate
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator


def test_run_step_rejects_a_step_the_action_does_not_have(px: Proxmox) -> None:
    with pytest.raises(
        ValueError, match=r"server\.delete has no step 'execute'; steps: stop, destroy"
    ):
        DeleteAction(px, ActionsConfig()).run_step("execute", DeleteRequest(vmid=101), {})


@pytest.mark.parametrize("vmid", [0, 99, 1_000_000_000, -5])
def test_out_of_range_vmids_are_refused(vmid: int) -> None:
    with pytest.raises(
        ActionError, match=f"vmid: expected a number from 100 to 999999999, got {vmid}"
    ):
        check_vmid(vmid)
    with pytest.raises(ActionError, match="vmid: expected a number from 100 to 999999999"):
        parse_request(PowerRequest, {"vmid": vmid, "action": "start"})


def test_request_errors_name_every_bad_field() -> None:
    with pytest.raises(ActionError) as caught:
        parse_request(PowerRequest, {"vmid": "abc", "action": "explode", "extra": 1})
    text = str(caught.value)
    assert text.startswith("vmid: Input should be a valid integer")
    assert "action: Input should be 'start', 'shutdown', 'reboot', 'stop', 'reset', " in text
    assert "extra: Extra inputs are not permitted" in text


def test_locate_finds_the_node_and_refuses_unknown_vms(sim: Simulator, px: Proxmox) -> None:
    found = locate(px.cluster, 102)
    assert (found.node, found.name, found.status) == ("pve2", "acme-db", "stopped")
    assert find_vm(px.cluster, 4242) is None
    with pytest.raises(ActionError, match=r"^server 4242 does not exist$"):
        locate(px.cluster, 4242)
    assert [c.path for c in sim.calls] == ["/cluster/resources"] * 3


def test_delete_plan_of_a_vm_that_is_gone(px: Proxmox) -> None:
    plan = DeleteAction(px, ActionsConfig()).plan(DeleteRequest(vmid=4242))
    assert plan.render() == "Server 4242 does not exist: nothing to delete"
