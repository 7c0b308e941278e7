from __future__ import annotations

from collections.abc import Iterator

import pytest

from actions.config import ActionsConfig
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.actions.driver import FakeReservations


@pytest.fixture
def sim() -> Simulator:
    """The demo fleet on a manual clock: tasks end only when a test lets time pass."""
    return Simulator.demo(manual_clock=True)


@pytest.fixture
def px(sim: Simulator) -> Iterator[Proxmox]:
    client = sim.client()
    yield Proxmox(client)
    client.close()


@pytest.fixture
def config() -> ActionsConfig:
    return ActionsConfig()


@pytest.fixture
def reservations() -> FakeReservations:
    return FakeReservations()
