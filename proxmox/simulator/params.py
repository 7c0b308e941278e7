"""Parameter declarations and their validation, with Proxmox's own error texts.

Each route declares its parameters (hand-written from the documented API; the simulator never
reads the shared schema file). Validation follows ``PVE::JSONSchema``: values arrive as JSON
types or, in form bodies and query strings, as strings; integers and booleans are checked
with Perl's rules (booleans only as 1/0), then enum, pattern, range, length and format.
Every failure is collected into one 400 "Parameter verification failed." with ``errors``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FormatCheck = Callable[[str], str | None]
_INTEGER = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_FAMILY = re.compile(r"^(?P<base>[a-z]+)\[n\]$")
PARAM_FAILED = "Parameter verification failed."
UNKNOWN = "property is not defined in schema and the schema does not allow additional properties"
MISSING = "property is missing and it is not optional"


class ApiError(Exception):
    """An answer other than 200: status, one-line message, optional per-parameter errors."""

    def __init__(self, status: int, message: str, errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors) if errors else None


def fail(message: str) -> ApiError:
    """PVE answers 500 for nearly every failure ("does not exist", locks, conflicts)."""
    return ApiError(500, message)


def param_error(errors: Mapping[str, str]) -> ApiError:
    return ApiError(400, PARAM_FAILED, errors)


@dataclass(frozen=True, slots=True)
class P:
    """One declared parameter (``type`` as in the schema: string/integer/boolean/number)."""

    type: str = "string"
    optional: bool = True
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    check: FormatCheck | None = None
    max_index: int = 0  # for families like net[n]: highest allowed index

    def required(self) -> P:
        return P(
            self.type, False, self.enum, self.pattern, self.minimum, self.maximum,
            self.max_length, self.check, self.max_index,
        )  # fmt: skip


Decls = Mapping[str, P]


def lookup(decls: Decls, name: str) -> P | None:
    """Exact names first, then families: ``net[n]`` declares ``net0`` .. ``net<max_index>``."""
    if name in decls:
        return decls[name]
    match = re.match(r"^([a-z]+)(\d+)$", name)
    if match is None:
        return None
    family = decls.get(f"{match[1]}[n]")
    if family is None or int(match[2]) > family.max_index:
        return None
    return family


def validate(decls: Decls, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce and check ``raw`` against ``decls``; raise one 400 listing every problem."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        spec = lookup(decls, name)
        if spec is None:
            errors[name] = UNKNOWN
            continue
        try:
            values[name] = check_value(spec, value)
        except ValueError as exc:
            errors[name] = str(exc)
    for name, spec in decls.items():
        if not spec.optional and _FAMILY.match(name) is None and name not in raw:
            errors[name] = MISSING
    if errors:
        raise param_error(errors)
    return values


def check_value(spec: P, value: Any) -> Any:
    """One value: type coercion as Perl sees it, then the constraints."""
    if isinstance(value, (dict, list)):
        raise ValueError(f"type check ('{spec.type}') failed - got a complex value")
    text = _perl_string(value)
    coerced: Any
    if spec.type == "integer":
        if not _INTEGER.match(text):
            raise ValueError(f"type check ('integer') failed - got '{text}'")
        coerced = int(text)
    elif spec.type == "number":
        if not _NUMBER.match(text):
            raise ValueError(f"type check ('number') failed - got '{text}'")
        coerced = float(text)
    elif spec.type == "boolean":
        if text not in {"0", "1"}:
            raise ValueError(f"type check ('boolean') failed - got '{text}'")
        coerced = int(text)
    else:
        coerced = text
    _constraints(spec, coerced, text)
    return coerced


def _perl_string(value: Any) -> str:
    # A JSON true/false arrives in Perl as JSON::PP::Boolean, which stringifies to 1/0.
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _constraints(spec: P, coerced: Any, text: str) -> None:
    if spec.enum is not None and text not in spec.enum:
        allowed = ", ".join(spec.enum)
        raise ValueError(f"value '{text}' does not have a value in the enumeration '{allowed}'")
    if spec.pattern is not None and re.fullmatch(f"(?:{spec.pattern})", text) is None:
        raise ValueError("value does not match the regex pattern")
    if spec.max_length is not None and len(text) > spec.max_length:
        raise ValueError(f"value may only be {spec.max_length} characters long")
    if spec.minimum is not None and coerced < spec.minimum:
        raise ValueError(f"value must have a minimum value of {_num(spec.minimum)}")
    if spec.maximum is not None and coerced > spec.maximum:
        raise ValueError(f"value must have a maximum value of {_num(spec.maximum)}")
    if spec.check is not None:
        problem = spec.check(text)
        if problem is not None:
            # Format checks die with a newline-terminated text, kept in the errors map.
            raise ValueError(f"invalid format - {problem.rstrip(chr(10))}\n")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# -- constructors used by the route declarations ---------------------------------------------


def s(**kw: Any) -> P:
    return P("string", **kw)


def i(**kw: Any) -> P:
    return P("integer", **kw)


def b() -> P:
    return P("boolean")


def n(**kw: Any) -> P:
    return P("number", **kw)
