"""VM configuration: read (with digest), update (sync PUT or async POST), pending changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote

from proxmox.models import PendingItem, VmConfig
from proxmox.repositories._base import Repository, dicts, vm_path

# Characters PVE's `urlencoded` format allows unescaped (JSONSchema.pm, pve-verify-urlencoded).
_URL_SAFE = "-_.!~*'()"


class ConfigRepository(Repository):
    def get(self, node: str, vmid: int, *, current: bool = False) -> VmConfig:
        """The config with pending changes applied, as PVE shows it; ``current=True`` gives
        the values the running VM actually has."""
        params = {"current": True} if current else None
        return VmConfig.model_validate(self._get_dict(vm_path(node, vmid, "config"), params))

    def update(
        self,
        node: str,
        vmid: int,
        changes: Mapping[str, object],
        *,
        digest: str | None = None,
        delete: Sequence[str] = (),
    ) -> None:
        """PUT: applied at once; what cannot hot-plug lands in ``pending``."""
        self.client.put(vm_path(node, vmid, "config"), config_body(changes, digest, delete))

    def pending(self, node: str, vmid: int) -> list[PendingItem]:
        path = vm_path(node, vmid, "pending")
        return [PendingItem.model_validate(item) for item in dicts(self._get_list(path))]


def config_body(
    changes: Mapping[str, object], digest: str | None, delete: Sequence[str]
) -> dict[str, object]:
    """The request body: tags joined with ``;``, sshkeys URL-encoded as PVE requires."""
    body: dict[str, object] = {}
    for key, value in changes.items():
        body[key] = _wire_value(key, value)
    if digest:
        body["digest"] = digest
    if delete:
        body["delete"] = ",".join(delete)
    return body


def _wire_value(key: str, value: object) -> object:
    if key == "tags" and isinstance(value, list | tuple):
        return ";".join(str(tag) for tag in value)
    if key == "sshkeys" and isinstance(value, str):
        return encode_sshkeys(value)
    return value


def encode_sshkeys(keys: str) -> str:
    """URL-encode plain OpenSSH keys; already encoded text (no whitespace) passes unchanged.

    A real public key always contains a space between type and key, so whitespace tells a
    plain value from an encoded one and encoding twice cannot happen.
    """
    if not any(ch.isspace() for ch in keys):
        return keys
    return quote(keys.strip() + "\n", safe=_URL_SAFE)
