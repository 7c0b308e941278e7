"""Routes: method + path template -> declared parameters, privilege and handler.

Path templates use the API's placeholders; ``{volume}`` swallows the rest of the path (a
volume id may contain ``/`` unencoded), every other placeholder is one segment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from proxmox.simulator.params import Decls
from proxmox.simulator.state import World


@dataclass
class Req:
    """One validated call as a handler sees it."""

    method: str
    path: str
    p: dict[str, Any]
    user: str


@dataclass(frozen=True)
class WithTotal:
    """A list answer whose envelope also carries ``total`` (task list, task log)."""

    data: list[Any]
    total: int


Handler = Callable[[World, Req], Any]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    params: Decls
    handler: Handler
    # (ACL path template, privilege) checked for tokens with restricted privileges.
    priv: tuple[str, str] | None = None
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", _compile(self.template))


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.escape(template)
    pattern = pattern.replace(r"\{volume\}", r"(?P<volume>.+)")
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern)
    return re.compile(f"^{pattern}$")


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for this method and path, with its path parameters; None if none."""
        for route in self.routes:
            found = route.regex.match(path)
            if found is not None and route.method == method:
                return route, found.groupdict()
        return None


def acl_path(route: Route, path_params: Mapping[str, str]) -> str:
    if route.priv is None:
        return "/"
    return route.priv[0].format_map(dict(path_params))
