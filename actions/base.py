"""What every Action offers: a read-only ``plan`` and step-wise, fire-and-forget execution.

An Action never waits for a Proxmox task. A single-step Action has one step (``execute``);
a multi-step one (build, rebuild, delete, restore) lists its steps and the jobs layer runs
each as its own job, starting step N+1 only after the task of step N has ended. Steps pass
what later steps need (the reserved VMID, the node) through a JSON ``context``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, SecretStr

JSON = Any  # a JSON-serialisable value (the jobs layer stores contexts in Redis as JSON)


class Change(BaseModel):
    """One line of a plan: ``memory 4096 → 8192 MiB (after reboot)``."""

    model_config = ConfigDict(frozen=True)

    what: str
    before: str
    after: str
    note: str = ""

    def render(self) -> str:
        arrow = f"{self.what} {self.before} → {self.after}"
        return f"{arrow} ({self.note})" if self.note else arrow


class Plan(BaseModel):
    """Current and target state plus the Proxmox calls; read-only, safe to show anyone
    entitled to see the server. Never contains a secret."""

    model_config = ConfigDict(frozen=True)

    action: str
    vmid: int | None = None
    node: str | None = None
    summary: str
    changes: tuple[Change, ...] = ()
    calls: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()

    def render(self) -> str:
        lines = [self.summary]
        lines += [f"• {c.render()}" for c in self.changes]
        lines += [f"⚠ {w}" for w in self.warnings]
        if self.calls:
            lines.append("Proxmox calls: " + "; ".join(self.calls))
        return "\n".join(lines)


# Task types (the UPID's type field) a step may start, as Proxmox names them.
START_TASKS = ("qmstart", "hastart")
STOP_TASKS = ("qmstop", "hastop")


@dataclass(frozen=True)
class Step:
    """One step of an Action (the method of that name) and the Proxmox task types it may
    start: before a step runs again, the chain engine looks for a task of these types that an
    earlier attempt started, so a lost answer never starts a second reboot or vzdump. No
    types: any task of ours on the VM since the attempt began counts.

    ``finds_own_task``: the task is filed under another VM (a clone runs under the
    template's VMID on its node), so the step itself looks for it when it runs again.
    ``says``: what the request's card shows while the step runs ("growing the disk")."""

    name: str
    tasks: tuple[str, ...] = ()
    finds_own_task: bool = False
    says: str = ""

    @property
    def doing(self) -> str:
        return self.says or self.name.replace("_", " ")


class StepResult(BaseModel):
    """What one step did. ``upid`` set means a task is running and the chain must wait."""

    model_config = ConfigDict(frozen=True)

    summary: str
    upid: str | None = None
    context: dict[str, JSON] = {}
    pending: tuple[str, ...] = ()
    needs_reboot: bool = False
    # Nothing was asked of this step (no disk change, no reboot): the card leaves it out.
    skipped: bool = False


class NotDelivered(Exception):
    """A private message could not reach the requester (the chat platform refused or was
    down): whatever it carried must not take effect."""


class PrivateDelivery(Protocol):
    def __call__(self, text: str, secret: SecretStr) -> None:
        """Show ``text`` and the secret to the requester alone; raises ``NotDelivered``."""
        ...


class ActionError(Exception):
    """A refusal a person can act on (shown as is): shrink, limits, protection, wrong VM."""


R = TypeVar("R", bound=BaseModel)


class Action(Generic[R]):
    """Base class: subclasses set ``name``/``request_model`` and implement ``plan`` and
    one method per step (``steps`` declares them, in order)."""

    name: ClassVar[str]
    # What people call an operation outside the kinds table (a test's own kind); the kinds
    # table names every real one (``jobs.kinds.heading``), for the bot and the card alike.
    title: ClassVar[str] = ""
    request_model: ClassVar[type[BaseModel]]
    steps: ClassVar[tuple[Step, ...]] = (Step("execute"),)

    # Set by the chain engine for one run: how a step shows a secret to the requester
    # before it takes effect (a new password). None: there is nobody to show it to.
    private: PrivateDelivery | None = None

    def deliver_privately(self, text: str, secret: SecretStr) -> None:
        if self.private is None:
            raise NotDelivered("no private channel to the requester")
        self.private(text, secret)

    @classmethod
    def step_names(cls) -> tuple[str, ...]:
        return tuple(s.name for s in cls.steps)

    @classmethod
    def step(cls, name: str) -> Step:
        for declared in cls.steps:
            if declared.name == name:
                return declared
        raise ValueError(f"{cls.name} has no step {name!r}; steps: {', '.join(cls.step_names())}")

    def step_says(self, step: str, request: R) -> str:
        """The step in words for this request (a power action's one step names its verb)."""
        del request
        return self.step(step).doing

    def task_types(self, step: str, request: R) -> tuple[str, ...]:
        """The task types ``step`` may start for this request (see ``Step``)."""
        del request  # most steps start the same type whatever was asked
        return self.step(step).tasks

    def plan(self, request: R) -> Plan:
        raise NotImplementedError

    def run_step(self, step: str, request: R, context: Mapping[str, JSON]) -> StepResult:
        self.step(step)  # refuses a step this Action does not declare
        method = getattr(self, step)
        result: StepResult = method(request, context)
        return result


class VmidReservations(Protocol):
    """VMIDs promised to a build that has not created its VM yet (Redis SET NX in jobs)."""

    def reserve(self, vmid: int, holder: str) -> bool: ...

    def release(self, vmid: int) -> None: ...
