"""The official PVE API schema subset as a contract for what the client sends and what the
simulator answers.

The schema is read from ``../shared/pve-api/pve-api-subset.json`` next to the repository
(it is AGPL-derived and must not be copied in). When it is missing, loading raises
``SchemaMissing`` - a loud failure, never a skip.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from tests.contract.pve_values import check_value, is_integer, is_number

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT / ".." / "shared" / "pve-api" / "pve-api-subset.json"
_N_KEY = re.compile(r"^(?P<base>[a-z_-]+?)(?P<index>\d+)$")
_N_RANGE = re.compile(r"n is 0 to (\d+)")
_N_UP_TO = re.compile(r"n can be up to (\d+)")


class SchemaMissing(AssertionError):
    """The schema file is absent: the contract cannot be checked, so the suite must fail."""


class Call(Protocol):
    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    parameters: dict[str, Any]
    returns: dict[str, Any]
    regex: re.Pattern[str]

    @property
    def literal_length(self) -> int:
        """How specific the template is: more literal text wins over placeholders."""
        return len(re.sub(r"\{[^}]+\}", "", self.path))


def load_endpoints(path: Path = SCHEMA_PATH) -> tuple[Endpoint, ...]:
    if not path.is_file():
        raise SchemaMissing(
            f"PVE API SCHEMA MISSING: {path.resolve()} does not exist. The contract test "
            "checks every request against the official schema in ../shared/pve-api/ next to "
            "the repository; without it nothing is checked, so this fails instead of skipping."
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        Endpoint(
            e["method"], e["path"], e["parameters"], e.get("returns") or {}, _template(e["path"])
        )
        for e in document["endpoints"]
    )


@functools.cache
def endpoints() -> tuple[Endpoint, ...]:
    return load_endpoints()


def _template(path: str) -> re.Pattern[str]:
    """``{volume}`` may contain ``/`` (the content path swallows the rest of the URI)."""

    def group(match: re.Match[str]) -> str:
        name = match[1]
        return f"(?P<{name}>.+)" if name == "volume" else f"(?P<{name}>[^/]+)"

    return re.compile(
        re.sub(r"\{(\w+)\}", group, re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
    )


def match(method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
    clean = unquote(path.split("?", 1)[0]).removeprefix("/api2/json")
    found = [(e, m) for e in endpoints() if e.method == method and (m := e.regex.fullmatch(clean))]
    if not found:
        return None
    endpoint, matched = max(found, key=lambda pair: pair[0].literal_length)
    return endpoint, matched.groupdict()


def parameter_spec(endpoint: Endpoint, name: str) -> dict[str, Any] | None:
    """The schema entry for ``name``, expanding ``net[n]`` style keys (with their range)."""
    if name in endpoint.parameters:
        spec: dict[str, Any] = endpoint.parameters[name]
        return spec
    n_key = _N_KEY.match(name)
    if n_key is None or f"{n_key['base']}[n]" not in endpoint.parameters:
        return None
    spec = endpoint.parameters[f"{n_key['base']}[n]"]
    description = str(spec.get("description", ""))
    limit = _N_UP_TO.search(description) or _N_RANGE.search(description)
    if limit and int(n_key["index"]) > int(limit[1]):
        return None
    return spec


def check_request(method: str, path: str, params: Mapping[str, Any]) -> list[str]:
    found = match(method, path)
    if found is None:
        return [f"{method} {path}: no such endpoint in the PVE API schema"]
    endpoint, path_params = found
    where = f"{method} {endpoint.path}"
    problems = [
        f"{where}: {name} given in path ({value!r}) and body ({params[name]!r}) differently"
        for name, value in path_params.items()
        if name in params and str(params[name]) != value
    ]
    merged: dict[str, Any] = {**params, **path_params}
    for name, value in merged.items():
        spec = parameter_spec(endpoint, name)
        if spec is None:
            problems.append(f"{where}: unknown parameter {name!r}")
            continue
        problems += [f"{where}: {p}" for p in check_value(name, spec, _typed(value, spec))]
        if spec.get("requires") and spec["requires"] not in merged:
            problems.append(f"{where}: {name} requires {spec['requires']}")
    problems += [
        f"{where}: missing required parameter {name!r}"
        for name, spec in endpoint.parameters.items()
        if not spec.get("optional") and "[n]" not in name and name not in merged
    ]
    return problems


def _typed(value: Any, spec: Mapping[str, Any]) -> Any:
    """Path segments are text; an integer path parameter is checked as the number it names."""
    if spec.get("type") == "integer" and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def assert_conforms(calls: Iterable[Call]) -> None:
    problems = [p for call in calls for p in check_request(call.method, call.path, call.params)]
    if problems:
        raise AssertionError("requests that break the PVE API schema:\n  " + "\n  ".join(problems))


def check_response(method: str, path: str, data: Any) -> list[str]:
    found = match(method, path)
    if found is None:
        return [f"{method} {path}: no such endpoint in the PVE API schema"]
    endpoint = found[0]
    return [
        f"{method} {endpoint.path}: {p}" for p in _check_returned("data", endpoint.returns, data)
    ]


def _check_returned(where: str, schema: Mapping[str, Any], value: Any) -> list[str]:
    kind = schema.get("type")
    if value is None:
        ok = kind in (None, "null") or schema.get("optional")
        return [] if ok else [f"{where}: null where {kind} is documented"]
    if kind == "object":
        return _check_object(where, schema, value)
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected array, got {type(value).__name__}"]
        items = schema.get("items") or {}
        return [
            p for i, item in enumerate(value) for p in _check_returned(f"{where}[{i}]", items, item)
        ]
    return _check_scalar(where, schema, value)


# Where the schema says "string" but PVE sends each config option with its own type (the
# config parser makes integers and booleans numbers): pending lists show `value`/`pending`
# as the option's type, e.g. {"key": "cores", "value": 2, "pending": 4}.
_OPTION_VALUED = {"value", "pending"}
_OPTION_VALUED_IN = ("data[",)


def _check_object(where: str, schema: Mapping[str, Any], value: Any) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected object, got {type(value).__name__}"]
    problems = []
    option_list = "key" in value and where.startswith(_OPTION_VALUED_IN)
    for name, prop in (schema.get("properties") or {}).items():
        if option_list and name in _OPTION_VALUED and isinstance(value.get(name), int | float):
            continue
        if name in value:
            problems += _check_returned(f"{where}.{name}", prop, value[name])
        elif not prop.get("optional"):
            problems.append(f"{where}: required property {name!r} is missing")
    return problems


_RETURNED_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": is_integer,
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool) or v in (0, 1, "0", "1"),
    "string": lambda v: isinstance(v, str),
    "null": lambda v: v is None,
}


def _check_scalar(where: str, schema: Mapping[str, Any], value: Any) -> list[str]:
    kind = schema.get("type")
    # Perl JSON: numbers may be strings ("100"), booleans are 0/1.
    valid: Callable[[Any], bool] = _RETURNED_TYPES.get(str(kind), lambda _: True)
    if not valid(value):
        return [f"{where}: expected {kind}, got {value!r}"]
    if kind == "string" and "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']}"]
    return []
