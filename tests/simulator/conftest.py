"""Fixtures: the demo fleet on a manual clock, and the real ProxmoxClient on it in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from proxmox.client import ProxmoxClient
from proxmox.simulator import Simulator


@pytest.fixture
def sim() -> Simulator:
    return Simulator.demo(manual_clock=True)


@pytest.fixture
def client(sim: Simulator) -> Iterator[ProxmoxClient]:
    with sim.client() as proxmox:
        yield proxmox
