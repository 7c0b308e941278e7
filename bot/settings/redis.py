"""Redis connection settings (``REDIS_URL``): queues, identity, approvals, audit, cache."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from bot.settings import env_config


class RedisSettings(BaseSettings):
    model_config = env_config("REDIS_")

    url: str = Field(default="redis://127.0.0.1:6379/0", description="redis:// or rediss:// URL")

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis://, rediss:// or unix:// URL")
        return value
