"""Compare an answer's shape with real captured answers: for every key both have, the JSON
kind must be one real servers were seen sending (a number as a string is its own kind)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@dataclass
class Shape:
    kinds: set[str] = field(default_factory=set)
    keys: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None

    def add(self, value: Any) -> Shape:
        self.kinds.add(kind(value))
        if isinstance(value, dict):
            for key, sub in value.items():
                self.keys.setdefault(key, Shape()).add(sub)
        elif isinstance(value, list):
            for item in value:
                self.items = (self.items or Shape()).add(item)
        return self


def shape_of(*captured: Any) -> Shape:
    shape = Shape()
    for value in captured:
        shape.add(value)
    return shape


def shape_problems(actual: Any, shape: Shape, where: str = "data") -> list[str]:
    if kind(actual) not in shape.kinds:
        return [
            f"{where}: {kind(actual)} {actual!r:.60} where real servers send {sorted(shape.kinds)}"
        ]
    if isinstance(actual, dict):
        return [
            problem
            for key, sub in actual.items()
            if key in shape.keys
            for problem in shape_problems(sub, shape.keys[key], f"{where}.{key}")
        ]
    if isinstance(actual, list) and shape.items is not None:
        items = shape.items
        return [
            p for i, item in enumerate(actual) for p in shape_problems(item, items, f"{where}[{i}]")
        ]
    return []


def overlap(actual: Any, shape: Shape) -> set[str]:
    """The keys an object answer (or its list items) shares with the captures."""
    if isinstance(actual, list) and shape.items is not None:
        return set().union(*(overlap(item, shape.items) for item in actual)) if actual else set()
    if isinstance(actual, dict):
        return set(actual) & set(shape.keys)
    return set()
