"""Every job kind that runs an Action has one, named like the kind, whose steps exist."""

from __future__ import annotations

import redis

from actions.config import ActionsConfig
from bot.notifiers import FakeNotifier
from jobs.chain import adopt
from jobs.config import JobSettings
from jobs.context import WorkerContext
from jobs.kinds import KINDS
from jobs.wiring import real_action_factories
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator

# Kinds whose job functions read Proxmox themselves instead of running an Action chain.
WITHOUT_ACTION = {"task.status", "node.status", "node.sync_inventory"}


def test_every_action_kind_builds_its_action_with_real_steps(
    redis_client: redis.Redis, settings: JobSettings
) -> None:
    factories = real_action_factories()
    ctx = WorkerContext(
        redis=redis_client,
        proxmox=Proxmox(Simulator.demo().client()),
        notifier=FakeNotifier(),
        actions_config=ActionsConfig(),
        settings=settings,
        actions=factories,
    )

    assert set(factories) == set(KINDS) - WITHOUT_ACTION
    for kind in factories:
        action = ctx.action_for(kind)
        assert action.name == kind
        assert action.steps
        assert all(callable(getattr(action, step)) for step in action.steps)


def test_every_step_the_retry_adoption_knows_is_a_real_step(
    redis_client: redis.Redis, settings: JobSettings
) -> None:
    """jobs.chain.adopt names steps as strings; a renamed step must not silently switch off the
    task-type filter that keeps a retry from adopting another step's task."""
    ctx = WorkerContext(
        redis=redis_client,
        proxmox=Proxmox(Simulator.demo().client()),
        notifier=FakeNotifier(),
        actions_config=ActionsConfig(),
        settings=settings,
        actions=real_action_factories(),
    )
    for kind, step in (*adopt._STEP_TYPES, *adopt._OWN_LOOKUP):
        assert step in ctx.action_for(kind).steps, (kind, step)
