"""Cluster-wide views: next free VMID, resources, nodes, node status, version."""

from __future__ import annotations

from typing import Any

from proxmox.client import path_of
from proxmox.errors import ProxmoxProtocolError
from proxmox.models import ClusterResource, NodeInfo
from proxmox.repositories._base import Repository, dicts, node_path


class ClusterRepository(Repository):
    def next_id(self, vmid: int | None = None) -> int:
        """The lowest free VMID (or a check that ``vmid`` is free). Reserves nothing."""
        path = path_of("cluster", "nextid")
        answer = self.client.get(path, {"vmid": vmid})
        # Perl stringifies it: the wire value is "100" although the schema says integer.
        if isinstance(answer, int) and not isinstance(answer, bool):
            return answer
        if isinstance(answer, str) and answer.strip().isdigit():
            return int(answer)
        raise ProxmoxProtocolError(
            f"expected a VMID from Proxmox, got {type(answer).__name__}", method="GET", path=path
        )

    def resources(self, type: str | None = None) -> list[ClusterResource]:
        items = dicts(self._get_list(path_of("cluster", "resources"), {"type": type}))
        return [ClusterResource.model_validate(item) for item in items]

    def nodes(self) -> list[NodeInfo]:
        return [NodeInfo.model_validate(item) for item in dicts(self._get_list(path_of("nodes")))]

    def node_status(self, node: str) -> dict[str, Any]:
        return self._get_dict(node_path(node, "status"))

    def version(self) -> dict[str, Any]:
        return self._get_dict(path_of("version"))
