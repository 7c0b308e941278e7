"""``Simulator``: the Proxmox VE simulator's Python API for tests, the demo and benchmarks.

    sim = Simulator.demo()                      # pve1..pve3, templates, customer VMs
    client = sim.client()                       # ProxmoxClient over the in-process transport
    with sim.serve() as base_url: ...           # the same app over real loopback HTTP
    sim.faults.fail_next(596, path="/resize")   # fault injection
    sim.calls                                   # every request, with its answer's status

One re-entrant lock guards all state: the HTTP server is threaded and workers poll
concurrently. Reading state through ``vms``/``tasks``/``storage`` settles finished tasks first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from proxmox.client import ProxmoxClient
from proxmox.simulator import fleet
from proxmox.simulator.app import Options, RecordedCall, SimApp, Token
from proxmox.simulator.clock import Clock
from proxmox.simulator.faults import Faults
from proxmox.simulator.handlers import ROUTES as HANDLER_ROUTES
from proxmox.simulator.routing import Router
from proxmox.simulator.server import serve
from proxmox.simulator.state import Node, Storage, Vm, Volume, World
from proxmox.simulator.tasks import Task
from proxmox.simulator.transport import SimTransport

SIM_TOKEN_ID = "jotunheim@pve!sim"  # noqa: S105 - public test value
SIM_TOKEN_SECRET = "d5c3a1e0-5b7f-4c2e-9a8d-0f1e2d3c4b5a"  # noqa: S105 - public test value
READONLY_TOKEN_ID = "jotunheim@pve!readonly"  # noqa: S105 - public test value
READONLY_TOKEN_SECRET = "0b6f2c9e-8d41-4a37-b5e2-7c1d9f3a6e08"  # noqa: S105 - public test value
READONLY_PRIVILEGES = frozenset({"VM.Audit", "Sys.Audit", "Datastore.Audit"})
IN_PROCESS_URL = "http://pve-simulator.invalid:8006"
ROUTES = HANDLER_ROUTES


class Simulator:
    def __init__(self, *, clock: Clock | None = None, message_field: bool = True) -> None:
        self.clock = clock or Clock.wall()
        self.lock = threading.RLock()
        self.world = World(self.clock, SIM_TOKEN_ID)
        self.faults = Faults(self.clock, self.world.tasks)
        self.options = Options(message_field=message_field)
        self.add_token(SIM_TOKEN_ID, SIM_TOKEN_SECRET)
        self.add_token(READONLY_TOKEN_ID, READONLY_TOKEN_SECRET, READONLY_PRIVILEGES)
        self.app = SimApp(self.world, self.lock, self.faults, Router(ROUTES), self.options)

    @classmethod
    def demo(cls, *, manual_clock: bool = False, **kw: Any) -> Simulator:
        """The demo fleet (see ``proxmox.simulator.fleet``); ``manual_clock`` for exact timing."""
        sim = cls(clock=Clock.manual_at() if manual_clock else None, **kw)
        with sim.lock:
            fleet.populate(sim.world)
        return sim

    # -- configuration -------------------------------------------------------------------------

    def add_token(
        self, token_id: str, secret: str, privileges: frozenset[str] | None = None
    ) -> None:
        """Accept another API token; ``privileges`` limits it (None: every privilege)."""
        self.options.tokens[token_id] = Token(secret, privileges)

    @property
    def message_field(self) -> bool:
        """Whether error bodies carry ``message`` (PVE >= 8.3); off mimics older servers."""
        return self.options.message_field

    @message_field.setter
    def message_field(self, enabled: bool) -> None:
        self.options.message_field = enabled

    @property
    def auth_failure_delay(self) -> float:
        return self.options.auth_failure_delay

    @auth_failure_delay.setter
    def auth_failure_delay(self, seconds: float) -> None:
        self.options.auth_failure_delay = seconds

    @property
    def task_durations(self) -> dict[str, float]:
        """Seconds per task type (``qmclone``, ``vzdump``...); others take 0.2 s."""
        return self.world.tasks.durations

    @property
    def time_scale(self) -> float:
        """Multiplies every task duration (0.1: ten times faster; 0: instant)."""
        return self.world.tasks.time_scale

    @time_scale.setter
    def time_scale(self, factor: float) -> None:
        if factor < 0:
            raise ValueError("time_scale cannot be negative")
        self.world.tasks.time_scale = factor

    # -- readable state ------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        return self.app.calls

    def clear_calls(self) -> None:
        with self.lock:
            self.app.calls.clear()

    @property
    def vms(self) -> dict[int, Vm]:
        self.settle()
        return self.world.vms

    @property
    def nodes(self) -> dict[str, Node]:
        return self.world.nodes

    @property
    def tasks(self) -> dict[str, Task]:
        """Every task by UPID text, in start order."""
        self.settle()
        return self.world.tasks.tasks

    def storage(self, name: str, node: str = "pve1") -> Storage:
        self.settle()
        return self.world.storage(node, name)

    def volumes(self, storage: str, node: str = "pve1", content: str | None = None) -> list[Volume]:
        found = self.storage(storage, node).volumes.values()
        return [v for v in found if content is None or v.content == content]

    def backups(self, vmid: int, storage: str = "backup", node: str = "pve1") -> list[Volume]:
        return sorted(
            (v for v in self.volumes(storage, node, "backup") if v.vmid == vmid),
            key=lambda v: v.ctime,
        )

    def settle(self) -> None:
        """Finish the tasks whose time has come (requests do this themselves)."""
        with self.lock:
            self.world.settle()

    def finish_tasks(self) -> None:
        """Advance the clock to the end of every running task, then settle them."""
        with self.lock:
            running = [t.end for t in self.world.tasks.tasks.values() if t.running]
            if running:
                self.clock.advance(max(0.0, max(running) - self.clock.now()))
            self.world.settle()

    # -- access --------------------------------------------------------------------------------

    def transport(self) -> SimTransport:
        return SimTransport(self.app)

    def client(self, **kw: Any) -> ProxmoxClient:
        """A ProxmoxClient on the in-process transport (token and URL preset)."""
        kw.setdefault("transport", self.transport())
        return ProxmoxClient(IN_PROCESS_URL, SIM_TOKEN_ID, SecretStr(SIM_TOKEN_SECRET), **kw)

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Real HTTP on ``host`` (a free port by default); yields the base URL."""
        with serve(self.app, host, port) as base_url:
            yield base_url
