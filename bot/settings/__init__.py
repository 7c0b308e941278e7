"""Settings, one pydantic-settings class per concern, read only by the composition root.

Nothing here is instantiated at import time. ``load(SomeSettings)`` reads the environment
(and ``.env``) and turns any validation failure into a one-line ``ConfigError`` naming the
variable, never echoing its value (a secret must not reach a terminal or a log).
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

S = TypeVar("S", bound=BaseSettings)


class ConfigError(RuntimeError):
    """A missing or malformed setting; the message names the environment variable."""


def env_config(prefix: str) -> SettingsConfigDict:
    """The shared pydantic-settings config: an env prefix; unknown keys are ignored."""
    return SettingsConfigDict(env_prefix=prefix, env_file_encoding="utf-8", extra="ignore")


def load(cls: type[S], **overrides: Any) -> S:
    """Build settings from the environment; ``overrides`` win (used by tests and the demo).

    ``JOTUNHEIM_ENV_FILE`` names the dotenv file (default ``.env``; empty disables it, which
    the test suite does so that a developer's real token can never reach a test).
    """
    env_file = os.environ.get("JOTUNHEIM_ENV_FILE", ".env") or None
    try:
        return cls(_env_file=env_file, **overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(cls, exc)) from None


def _describe(cls: type[BaseSettings], exc: ValidationError) -> str:
    prefix = str(cls.model_config.get("env_prefix") or "")
    problems = []
    for err in exc.errors(include_input=False, include_url=False):
        field = str(err["loc"][0]) if err["loc"] else "?"
        problems.append(f"{(prefix + field).upper()}: {err['msg']}")
    return "invalid configuration: " + "; ".join(problems)
