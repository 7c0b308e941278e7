"""Plan limits and the backup storage are one setting each, read by the bot and the worker
alike; their former worker-only names still work, each with a one-line deprecation warning
that names the new variable and never the value."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis

from actions.config import Limits
from bot.compose import compose_bot
from bot.run.worker import context_from_environment
from bot.settings import ConfigError, load
from bot.settings.plan import BackupSettings, PlanSettings
from bot.settings.policy import PolicySettings
from bot.settings.worker import WorkerSettings
from tests.support.chat import ChatRecorder

NEW = {
    "JOTUNHEIM_PLAN_MAX_CORES": "8",
    "JOTUNHEIM_PLAN_MAX_MEMORY_MIB": "16384",
    "JOTUNHEIM_PLAN_MAX_DISK_GIB": "200",
    "JOTUNHEIM_BACKUP_STORAGE": "nas",
}
OLD = {
    "JOTUNHEIM_WORKER_MAX_CORES": "6",
    "JOTUNHEIM_WORKER_MAX_MEMORY_MIB": "12288",
    "JOTUNHEIM_WORKER_MAX_DISK_GIB": "150",
    "JOTUNHEIM_WORKER_BACKUP_STORAGE": "pbs",
}
RENAMES = dict(zip(OLD, NEW, strict=True))


def deprecations(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]


def test_defaults_are_todays_limits_and_storage() -> None:
    assert load(PlanSettings).limits() == Limits(
        max_cores=16, max_memory_mib=65536, max_disk_gib=1024
    )
    assert load(BackupSettings).storage == "backup"


def test_the_new_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in NEW.items():
        monkeypatch.setenv(name, value)
    assert load(PlanSettings).limits() == Limits(
        max_cores=8, max_memory_mib=16384, max_disk_gib=200
    )
    assert load(BackupSettings).storage == "nas"


def test_the_old_names_are_read_with_one_warning_each(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name, value in OLD.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.WARNING, logger="bot.settings.plan"):
        plan, backup = load(PlanSettings), load(BackupSettings)
    assert plan.limits() == Limits(max_cores=6, max_memory_mib=12288, max_disk_gib=150)
    assert backup.storage == "pbs"
    assert deprecations(caplog) == [
        f"{old} is deprecated: rename it {new}" for old, new in RENAMES.items()
    ]
    assert all(v not in m for m in deprecations(caplog) for v in OLD.values())


def test_a_new_name_wins_over_its_old_one_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("JOTUNHEIM_PLAN_MAX_CORES", "8")
    monkeypatch.setenv("JOTUNHEIM_WORKER_MAX_CORES", "6")
    with caplog.at_level(logging.WARNING, logger="bot.settings.plan"):
        assert load(PlanSettings).max_cores == 8
    assert deprecations(caplog) == [
        "JOTUNHEIM_WORKER_MAX_CORES is deprecated and ignored: JOTUNHEIM_PLAN_MAX_CORES is set"
    ]


def test_old_names_in_the_env_file_are_read_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("JOTUNHEIM_WORKER_MAX_DISK_GIB=300\nJOTUNHEIM_WORKER_BACKUP_STORAGE=pbs\n")
    monkeypatch.setenv("JOTUNHEIM_ENV_FILE", str(env_file))
    with caplog.at_level(logging.WARNING, logger="bot.settings.plan"):
        assert load(PlanSettings).max_disk_gib == 300
        assert load(BackupSettings).storage == "pbs"
    assert len(deprecations(caplog)) == 2


def test_a_bad_value_is_refused_by_the_new_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOTUNHEIM_PLAN_MAX_CORES", "0")
    with pytest.raises(ConfigError, match=r"^invalid configuration: JOTUNHEIM_PLAN_MAX_CORES: "):
        load(PlanSettings)


def test_the_bot_and_the_worker_see_the_same_values(
    monkeypatch: pytest.MonkeyPatch, redis_client: redis.Redis
) -> None:
    """Each process composes from the environment; the numbers must not diverge."""
    worker_only = {
        "PROXMOX_URL": "https://pve.invalid:8006",
        "PROXMOX_TOKEN_ID": "jotunheim@pve!bot",
        "PROXMOX_TOKEN_SECRET": "00000000-0000-0000-0000-000000000000",
        "JOTUNHEIM_WORKER_MAX_CORES": "99",  # the old name loses to the new one in both
    }
    for name, value in {**NEW, **worker_only}.items():
        monkeypatch.setenv(name, value)
    bot = compose_bot(ChatRecorder(), settings=load(PolicySettings), client=redis_client)
    worker = context_from_environment(load(WorkerSettings))
    worker.proxmox.client.close()
    worker.redis.close()
    assert bot.refusals.limits == worker.actions_config.limits
    assert bot.refusals.limits == Limits(max_cores=8, max_memory_mib=16384, max_disk_gib=200)
    assert bot.refusals.backup_storage == worker.actions_config.backup_storage == "nas"
