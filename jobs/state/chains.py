"""The state of one chain (a submitted job and the jobs it spawned), readable by commands.

A chain is keyed by its root job id. Steps run one after another as separate RQ jobs
(step job → tracking job → next step job via ``depends_on``); only one of them runs at a
time, so a plain read-modify-write of one JSON value is enough. The ``context`` is what
the Action's steps pass on (reserved VMID, node), merged step by step.
"""

from __future__ import annotations

from typing import Any, Literal

import redis
from pydantic import BaseModel, ConfigDict, Field

from actions.base import Step
from bot.ports.clock import SYSTEM_CLOCK, Clock
from bot.ports.notify import MessageRef
from jobs.queue import JobRequest

StepStateName = Literal["pending", "running", "task", "done", "failed"]
# ``unfollowed``: the worker stopped following a Proxmox task that was still running (the
# tracking deadline); the task goes on in Proxmox, so the request neither failed nor ended.
ChainStatus = Literal["running", "succeeded", "failed", "unfollowed"]
_TTL = 7 * 86400


class StepState(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    state: StepStateName = "pending"
    summary: str = ""
    upid: str | None = None
    error: str | None = None
    started: float | None = None
    ended: float | None = None
    # Tasks this step started that failed on a lock and were given up for a fresh attempt;
    # a re-run must never mistake one of them for the task it is looking for.
    tried: tuple[str, ...] = ()
    skipped: bool = False  # nothing was asked of it (the card leaves it out)
    says: str = ""  # the step in words ("growing the disk"), from the Action's declaration

    @property
    def doing(self) -> str:
        return self.says or self.name.replace("_", " ")


class ChainState(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: str
    request: JobRequest
    steps: tuple[StepState, ...]
    status: ChainStatus = "running"
    context: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    notes: tuple[str, ...] = ()
    started: float
    ended: float | None = None
    # The request's one card in chat (posted once, then edited) and when it was last shown.
    card: MessageRef | None = None
    card_shown: float = 0.0

    @property
    def kind(self) -> str:
        return self.request.kind

    def step(self, index: int) -> StepState:
        return self.steps[index]

    def render(self) -> str:
        """``copying the template ✓ → setting it up …`` for chat."""
        marks = {"pending": "", "running": " …", "task": " …", "done": " ✓", "failed": " ✗"}
        shown = [s for s in self.steps if not s.skipped]
        return " → ".join(f"{s.doing}{marks[s.state]}" for s in shown)


class ChainStore:
    def __init__(
        self, client: redis.Redis, *, prefix: str = "jh", clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._clock = clock
        self._r = client
        self._p = f"{prefix}:chain"

    def _key(self, root: str) -> str:
        return f"{self._p}:{root}"

    def ensure(self, root: str, request: JobRequest, steps: tuple[Step, ...]) -> ChainState:
        """Create the chain once; a re-run root job finds (and keeps) the existing state."""
        fresh = ChainState(
            root=root,
            request=request,
            steps=tuple(StepState(name=s.name, says=s.says) for s in steps),
            started=self._clock.now(),
        )
        self._r.set(self._key(root), fresh.model_dump_json(), nx=True, ex=_TTL)
        found = self.get(root)
        assert found is not None
        return found

    def get(self, root: str) -> ChainState | None:
        raw = self._r.get(self._key(root))
        return ChainState.model_validate_json(raw) if raw else None

    def save(self, state: ChainState) -> ChainState:
        self._r.set(self._key(state.root), state.model_dump_json(), ex=_TTL)
        return state

    def update_step(self, chain: ChainState, index: int, **changes: Any) -> ChainState:
        steps = list(chain.steps)
        steps[index] = steps[index].model_copy(update=changes)
        return self.save(chain.model_copy(update={"steps": tuple(steps)}))

    def merge_context(
        self, state: ChainState, context: dict[str, Any], notes: tuple[str, ...] = ()
    ) -> ChainState:
        if not context and not notes:
            return state
        update = {"context": {**state.context, **context}, "notes": state.notes + notes}
        return self.save(state.model_copy(update=update))

    def reopen(self, state: ChainState, index: int, *, tracking: bool = False) -> ChainState:
        """Make a failed chain runnable again from step ``index`` (an admin's retry): that
        step and every later one are pending again — or, when its tracking job is the one
        retried, the step waits on its task again. A reopened step starts afresh: no
        earlier attempt's task is looked for (others may have used the server since)."""
        fresh = {"state": "pending", "error": None, "started": None}
        steps = [s.model_copy(update=fresh) if i >= index else s for i, s in enumerate(state.steps)]
        if tracking:
            steps[index] = steps[index].model_copy(update={"state": "task"})
        update = {"status": "running", "error": None, "ended": None, "steps": tuple(steps)}
        return self.save(state.model_copy(update=update))

    def finish(
        self, state: ChainState, status: ChainStatus, error: str | None = None
    ) -> ChainState:
        return self.save(
            state.model_copy(update={"status": status, "error": error, "ended": self._clock.now()})
        )


def chain_progress(client: redis.Redis, job_id: str, *, prefix: str = "jh") -> ChainState | None:
    """What ``/server task`` and ``/admin queue`` show: the chain a submitted job started,
    its steps with their states, the UPIDs and errors. None when unknown or expired."""
    return ChainStore(client, prefix=prefix).get(job_id)
