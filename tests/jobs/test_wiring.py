"""Every job kind that runs an Action has one, named like the kind, whose steps exist; a
worker wired otherwise refuses to start."""

from __future__ import annotations

import dataclasses
import re

import pytest
import redis

from actions.config import ActionsConfig
from actions.server.status import StatusAction
from bot.run.worker import action_factories, check_actions
from bot.settings import ConfigError
from jobs.config import JobSettings
from jobs.context import WorkerContext, plain
from jobs.kinds import KINDS, RUN_CHAIN
from proxmox.repositories import Proxmox
from proxmox.simulator import Simulator
from tests.support.chat import ChatRecorder


def context(client: redis.Redis, settings: JobSettings) -> WorkerContext:
    return WorkerContext(
        redis=client,
        proxmox=Proxmox(Simulator.demo().client()),
        notifier=ChatRecorder(),
        actions_config=ActionsConfig(),
        settings=settings,
        actions=action_factories(),
    )


def test_every_action_kind_builds_its_action_with_real_steps(
    redis_client: redis.Redis, settings: JobSettings
) -> None:
    ctx = context(redis_client, settings)

    assert set(ctx.actions) == {name for name, k in KINDS.items() if k.function == RUN_CHAIN}
    check_actions(ctx)
    for kind in ctx.actions:
        action = ctx.action_for(kind)
        assert action.step_names()
        assert all(callable(getattr(action, step)) for step in action.step_names())


def test_a_kind_wired_to_another_action_stops_the_worker(
    redis_client: redis.Redis, settings: JobSettings
) -> None:
    ctx = context(redis_client, settings)
    wrong = dataclasses.replace(ctx, actions={**ctx.actions, "server.resize": plain(StatusAction)})
    missing = dataclasses.replace(
        ctx, actions={k: f for k, f in ctx.actions.items() if k != "backup.list"}
    )

    with pytest.raises(
        ConfigError, match=re.escape("job kind server.resize is wired to the Action server.status")
    ):
        check_actions(wrong)
    with pytest.raises(ConfigError, match=re.escape("job kind backup.list has no Action")):
        check_actions(missing)
