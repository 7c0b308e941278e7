"""Proxmox API connection settings (``PROXMOX_*``); only workers load them."""

from __future__ import annotations

import ssl
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

from bot.settings import env_config

_API_ID_SHAPE = r"^[^\s@!:=]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$"


class ProxmoxSettings(BaseSettings):
    model_config = env_config("PROXMOX_")

    url: str = Field(description="https://pve.example.com:8006 (the /api2/json suffix is optional)")
    token_id: str = Field(pattern=_API_ID_SHAPE, description="API token id, user@realm!name")
    token_secret: SecretStr = Field(description="API token secret (UUID)")
    verify_tls: bool = True
    ca_bundle: Path | None = None
    timeout: float = Field(default=30.0, gt=0)
    connect_timeout: float = Field(default=5.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for the simulator)")
        return value.rstrip("/")

    @field_validator("ca_bundle")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("must be the path of a readable CA certificate file")
        return value

    def verify(self) -> bool | ssl.SSLContext:
        """What httpx's ``verify=`` takes: a context trusting the CA bundle, or on/off."""
        if self.ca_bundle is not None:
            return ssl.create_default_context(cafile=str(self.ca_bundle))
        return self.verify_tls
