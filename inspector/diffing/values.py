"""Structural difference of two JSON values: every place where they differ, by JSON pointer.

Objects are compared key by key (the first value's key order, then keys only the second
has), lists item by item (extra items are added or removed), everything else by value *and*
type, so ``1``, ``1.0`` and ``true`` are three different values. Iterative: a deep value
costs memory, never Python's stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

ChangeKind = Literal["changed", "added", "removed"]
MISSING: Any = None  # what ``Change.a`` / ``.b`` hold for the side without the value


@dataclass(frozen=True)
class Change:
    """One difference: where (a JSON pointer into the compared values), what, both values."""

    path: str
    kind: ChangeKind
    a: Any = MISSING
    b: Any = MISSING


def escape(token: str) -> str:
    """A key as a JSON pointer token."""
    return token.replace("~", "~0").replace("/", "~1")


def _same_scalar(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def diff_values(
    a: Any, b: Any, *, skip: Callable[[str, str], bool] | None = None, base: str = ""
) -> list[Change]:
    """Every difference between ``a`` and ``b``, in document order.

    ``skip(pointer, key)`` leaves a key out of the comparison (run fields that differ in
    every run, such as times and ids); ``base`` is prefixed to every path.
    """
    changes: list[Change] = []
    stack: list[tuple[str, Any, Any]] = [(base, a, b)]
    while stack:
        path, x, y = stack.pop()
        if isinstance(x, dict) and isinstance(y, dict):
            todo: list[tuple[str, Any, Any]] = []
            for key in (*x, *(k for k in y if k not in x)):
                if skip is not None and skip(path, key):
                    continue
                where = f"{path}/{escape(key)}"
                if key not in y:
                    todo.append((where, _Only(Change(where, "removed", x[key], MISSING)), None))
                elif key not in x:
                    todo.append((where, _Only(Change(where, "added", MISSING, y[key])), None))
                else:
                    todo.append((where, x[key], y[key]))
            stack.extend(reversed(todo))
        elif isinstance(x, list) and isinstance(y, list):
            todo = []
            for i in range(max(len(x), len(y))):
                where = f"{path}/{i}"
                if i >= len(y):
                    todo.append((where, _Only(Change(where, "removed", x[i], MISSING)), None))
                elif i >= len(x):
                    todo.append((where, _Only(Change(where, "added", MISSING, y[i])), None))
                else:
                    todo.append((where, x[i], y[i]))
            stack.extend(reversed(todo))
        elif isinstance(x, _Only):
            changes.append(x.change)
        elif isinstance(x, dict | list) or isinstance(y, dict | list) or not _same_scalar(x, y):
            changes.append(Change(path, "changed", x, y))
    return changes


def without(value: Any, skip: Callable[[str, str], bool]) -> Any:
    """A copy of ``value`` without the keys ``skip(pointer, key)`` names (what was not
    compared, left out of what is shown beside the differences). Iterative."""
    holder: list[Any] = [None]
    stack: list[tuple[Any, str, Any, Any]] = [(value, "", holder, 0)]
    while stack:
        item, path, into, slot = stack.pop()
        if isinstance(item, dict):
            copy: dict[str, Any] = {}
            into[slot] = copy
            for key, child in item.items():
                if not skip(path, key):
                    copy[key] = None
                    stack.append((child, f"{path}/{escape(key)}", copy, key))
        elif isinstance(item, list):
            items: list[Any] = [None] * len(item)
            into[slot] = items
            for i, child in enumerate(item):
                stack.append((child, f"{path}/{i}", items, i))
        else:
            into[slot] = item
    return holder[0]


class _Only:
    """A one-sided change kept in the walk's order (so output follows the documents)."""

    __slots__ = ("change",)

    def __init__(self, change: Change) -> None:
        self.change = change
