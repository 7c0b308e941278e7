"""Checks one parameter value against its PVE JSON-schema entry (type, enum, pattern,
range, length, named formats, property strings). Returns problems; empty means fine."""

from __future__ import annotations

import re
from typing import Any

_BOOL_WORDS = {"1", "0", "true", "false", "yes", "no", "on", "off"}
_TAG = r"[a-z0-9_][a-z0-9_\-+.]*"
_CONFIGID = r"[a-z][a-z0-9_-]+"
_STORAGE_ID = r"[a-z][a-z0-9\-_.]*[a-z0-9]"
_NAMED_FORMATS: dict[str, re.Pattern[str]] = {
    "pve-node": re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?"),
    "pve-storage-id": re.compile(_STORAGE_ID, re.I),
    "pve-configid": re.compile(_CONFIGID, re.I),
    "pve-configid-list": re.compile(rf"{_CONFIGID}(,{_CONFIGID})*", re.I),
    "pve-vmid-list": re.compile(r"\d+([,;\s]+\d+)*"),
    "pve-tag-list": re.compile(rf"{_TAG}([;,\s]+{_TAG})*[;,\s]*", re.I),
    "urlencoded": re.compile(r"[-%a-zA-Z0-9_.!~*'()]*"),
    "dns-name": re.compile(
        r"([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?\.)*"
        r"[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?"
    ),
    "pve-storage-content": re.compile(r"images|rootdir|vztmpl|iso|backup|snippets|import"),
    "pve-storage-content-list": re.compile(
        r"(images|rootdir|vztmpl|iso|backup|snippets|import|none)"
        r"(,(images|rootdir|vztmpl|iso|backup|snippets|import|none))*"
    ),
}


def perl_pattern(pattern: str) -> re.Pattern[str]:
    """PVE patterns are Perl regex stringifications: ``(?^:...)`` becomes ``(?:...)``."""
    return re.compile(pattern.replace("(?^:", "(?:"))


def is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (
        isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None
    )


def is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return (
        isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value) is not None
    )


def check_value(name: str, spec: dict[str, Any], value: Any) -> list[str]:
    kind = spec.get("type", "string")
    checker = {
        "integer": _check_numeric,
        "number": _check_numeric,
        "boolean": _check_bool,
        "array": _check_array,
    }.get(kind, _check_string)
    return checker(name, spec, value)


def _check_bool(name: str, spec: dict[str, Any], value: Any) -> list[str]:
    # The client must encode booleans as 1/0; a JSON true/false means it did not.
    if isinstance(value, bool) or not (value in (0, 1) or value in ("0", "1")):
        return [f"{name}: boolean must be sent as 1/0, got {value!r}"]
    return []


def _check_numeric(name: str, spec: dict[str, Any], value: Any) -> list[str]:
    kind = spec.get("type")
    ok = is_integer(value) if kind == "integer" else is_number(value)
    if not ok:
        return [f"{name}: expected {kind}, got {value!r}"]
    number = float(value)
    problems = []
    if "minimum" in spec and number < float(spec["minimum"]):
        problems.append(f"{name}: {value!r} is below the minimum {spec['minimum']}")
    if "maximum" in spec and number > float(spec["maximum"]):
        problems.append(f"{name}: {value!r} is above the maximum {spec['maximum']}")
    return problems + _check_enum(name, spec, str(value))


def _check_array(name: str, spec: dict[str, Any], value: Any) -> list[str]:
    return [] if isinstance(value, list) else [f"{name}: expected array, got {value!r}"]


def _check_string(name: str, spec: dict[str, Any], value: Any) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return [f"{name}: expected string, got {value!r}"]
    text = str(value)
    problems = _check_enum(name, spec, text)
    if "pattern" in spec and not perl_pattern(spec["pattern"]).fullmatch(text):
        problems.append(f"{name}: {text!r} does not match pattern {spec['pattern']!r}")
    if "maxLength" in spec and len(text) > int(spec["maxLength"]):
        problems.append(f"{name}: longer than {spec['maxLength']} characters")
    if "minLength" in spec and len(text) < int(spec["minLength"]):
        problems.append(f"{name}: shorter than {spec['minLength']} characters")
    fmt = spec.get("format")
    if isinstance(fmt, dict):
        problems += check_property_string(name, fmt, text)
    elif isinstance(fmt, str) and fmt in _NAMED_FORMATS and not _NAMED_FORMATS[fmt].fullmatch(text):
        problems.append(f"{name}: {text!r} is not a valid {fmt}")
    return problems


def _check_enum(name: str, spec: dict[str, Any], text: str) -> list[str]:
    if "enum" in spec and text not in [str(e) for e in spec["enum"]]:
        return [f"{name}: {text!r} is not one of {_short(spec['enum'])}"]
    return []


def check_property_string(name: str, fmt: dict[str, Any], text: str) -> list[str]:
    """``key=value,...`` with at most one bare value, for the key marked ``default_key``."""
    default_key = next((k for k, v in fmt.items() if v.get("default_key")), None)
    problems: list[str] = []
    seen: set[str] = set()
    for item in (part for part in text.split(",") if part):
        key, sep, sub_value = item.partition("=")
        if not sep:
            key, sub_value = default_key or "", item
            if default_key is None or default_key in seen:
                problems.append(f"{name}: bare value {item!r} but no (free) default key")
                continue
        sub_spec = fmt.get(key)
        if sub_spec is None:
            problems.append(f"{name}: unknown key {key!r} in property string")
            continue
        key = sub_spec.get("alias", key)
        seen.add(key)
        sub_spec = fmt.get(key, sub_spec)
        if sub_spec.get("type") == "boolean":
            if sub_value.lower() not in _BOOL_WORDS:
                problems.append(f"{name}.{key}: not a boolean: {sub_value!r}")
        else:
            problems += check_value(f"{name}.{key}", sub_spec, sub_value)
    for key, sub_spec in fmt.items():
        required = not sub_spec.get("optional") and "default" not in sub_spec
        if required and "alias" not in sub_spec and key not in seen:
            problems.append(f"{name}: property string lacks required key {key!r}")
    return problems


def _short(values: list[Any]) -> str:
    shown = ", ".join(str(v) for v in values[:8])
    return f"[{shown}, ... ({len(values)} values)]" if len(values) > 8 else f"[{shown}]"
