"""A small stand-in for the jobs layer: run an Action's steps in order against the simulator.

After a step that started a task, the simulator's clock is advanced past the task's end and
the task must have succeeded before the next step runs (as the jobs layer's tracking does).
``repeat=2`` runs every step twice with the same incoming context, which is what an
at-least-once queue does when a worker dies after the step but before its result is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from actions.base import JSON, Action, StepResult
from proxmox.simulator import Simulator

Call = tuple[str, str, dict[str, Any]]


class FakeReservations:
    """In-memory ``VmidReservations``: a VMID is held by one holder; the same holder may
    reserve it again (a retried step), anyone else is refused."""

    def __init__(self) -> None:
        self.held: dict[int, str] = {}
        self.released: list[int] = []

    def reserve(self, vmid: int, holder: str) -> bool:
        if self.held.get(vmid, holder) != holder:
            return False
        self.held[vmid] = holder
        return True

    def release(self, vmid: int) -> None:
        self.held.pop(vmid, None)
        self.released.append(vmid)


@dataclass
class Chain:
    results: list[StepResult] = field(default_factory=list)
    calls: dict[str, list[Call]] = field(default_factory=dict)
    context: dict[str, JSON] = field(default_factory=dict)

    @property
    def all_calls(self) -> list[Call]:
        return [call for calls in self.calls.values() for call in calls]


def calls_since(sim: Simulator, mark: int) -> list[Call]:
    return [(c.method, c.path, dict(c.params)) for c in sim.calls[mark:]]


def finish_task(sim: Simulator, upid: str) -> None:
    """Let the task end on the simulator clock and require it to have succeeded."""
    sim.finish_tasks()
    task = sim.tasks[upid]
    assert task.exitstatus == "OK", f"task {upid} ended {task.exitstatus!r}"


def run_chain(sim: Simulator, action: Action[Any], request: BaseModel, *, repeat: int = 1) -> Chain:
    chain = Chain()
    for step in action.step_names():
        for _ in range(repeat):
            mark = len(sim.calls)
            result = action.run_step(step, request, chain.context)
            chain.calls.setdefault(step, []).extend(calls_since(sim, mark))
            if result.upid:
                finish_task(sim, result.upid)
        chain.results.append(result)
        chain.context = {**chain.context, **result.context}
    return chain


def run_step(
    sim: Simulator, action: Action[Any], request: BaseModel
) -> tuple[StepResult, list[Call]]:
    """A single-step action: its result and the calls it made (its task is finished)."""
    mark = len(sim.calls)
    result = action.run_step("execute", request, {})
    calls = calls_since(sim, mark)
    if result.upid:
        finish_task(sim, result.upid)
    return result, calls
