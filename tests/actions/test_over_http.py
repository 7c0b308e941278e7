"""One whole chain over real loopback HTTP: the same calls as in-process, end to end."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from actions.config import ActionsConfig
from actions.server.resize import ResizeAction, ResizeRequest
from proxmox.client import ProxmoxClient
from proxmox.repositories import Proxmox
from proxmox.simulator import SIM_TOKEN_ID, SIM_TOKEN_SECRET, Simulator
from tests.actions.driver import run_chain


@pytest.mark.integration
def test_resize_chain_over_http(sim: Simulator) -> None:
    with (
        sim.serve() as base_url,
        ProxmoxClient(base_url, SIM_TOKEN_ID, SecretStr(SIM_TOKEN_SECRET)) as client,
    ):
        action = ResizeAction(Proxmox(client), ActionsConfig())
        request = ResizeRequest(vmid=102, cores=6, memory="12G", disk="+8G")
        chain = run_chain(sim, action, request, repeat=2)
    writes = [(m, p) for m, p, _ in chain.all_calls if m != "GET"]
    assert writes == [
        ("PUT", "/nodes/pve2/qemu/102/config"),
        ("PUT", "/nodes/pve2/qemu/102/resize"),
    ]
    vm = sim.vms[102]
    assert (vm.config["cores"], vm.config["memory"]) == (6, "12288")
    assert vm.config["scsi0"] == "local-lvm:vm-102-disk-0,discard=on,iothread=1,size=40G"
