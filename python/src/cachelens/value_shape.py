"""The structure of a value as a list of leaves (path, type, text), for the `verify` option: a
stable hash of it (two values with the same structure and contents hash alike, in any process)
and the paths where two values differ.

Unlike the key rule (`keys.py`), which refuses what it cannot key, this takes anything a function
may return: dicts and other mappings (keys sorted), lists and tuples, sets and frozensets (order
free: items sorted by their own hash), dataclasses and other objects (their class name, then
their `__dict__` and `__slots__` attributes, sorted), enums, dates, decimals, bytes (a digest),
functions and classes (by name), cycles (a `reference` to the path seen first), and values that
raise when read (`unreadable`). Walks at most `MAX_NODES` nodes; the rest is one `truncated` leaf.
The walk is iterative, so deep nesting cannot exhaust the interpreter's stack.

Paths start at `value`: attributes as `.name`, dict keys and indexes as `[...]`
(`value['items'][2].price`); a set's items as `{i}` in their sorted order.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import enum
import fractions
import hashlib
import pathlib
import types
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["MAX_NODES", "Leaf", "LeafDifference", "walk_value", "value_hash", "leaves_of", "differences"]

MAX_NODES = 100_000
"""Most nodes walked in one value; past it the value is summarised by one `truncated` leaf."""

MAX_DIFF_LEAVES = 10_000
"""Most leaves listed per value when two values are compared."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """One leaf of a value: where it is, what type it has, and its contents as text."""

    path: str
    type: str
    text: str


@dataclass(frozen=True, slots=True)
class LeafDifference:
    """One place where two values differ: None on a side where the path does not exist."""

    path: str
    a: Leaf | None
    b: Leaf | None


Visit = Callable[[str, str, str], None]

_SCALARS: tuple[type, ...] = (
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    datetime.timezone,
    decimal.Decimal,
    fractions.Fraction,
    uuid.UUID,
    complex,
    pathlib.PurePath,
    range,
    slice,
)
_NAMED = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, type)


def _digest(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        if isinstance(slots, str):
            slots = (slots,)
        for name in slots:
            if name not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return names


def _sorted_keys(keys: list[Any]) -> list[Any]:
    try:
        return sorted(keys)
    except Exception:  # mixed or unorderable keys: by type, then text
        return sorted(keys, key=lambda k: (type(k).__qualname__, _safe_repr(k)))


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<{type(value).__qualname__}>"


def _key_text(key: Any) -> str:
    return _safe_repr(key)


def walk_value(value: Any, visit: Visit, max_nodes: int = MAX_NODES) -> None:
    """Calls `visit(path, type, text)` for every leaf of `value`, in a deterministic order. Never
    raises for what `value` holds (a part that raises when read is an `unreadable` leaf)."""
    seen: dict[int, str] = {}
    alive: list[Any] = []  # what was walked stays alive, so an id is never reused during the walk
    stack: list[tuple[Any, str]] = [(value, "value")]
    nodes = 0
    while stack:
        v, path = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            visit(path, "truncated", "")
            return
        t = type(v)
        if v is None:
            visit(path, "None", "")
            continue
        if t is bool:
            visit(path, "bool", "True" if v else "False")
            continue
        if t is str:
            visit(path, "str", v)
            continue
        if t is int:
            try:
                visit(path, "int", repr(v))
            except ValueError:  # more digits than int->str allows: a digest of its bytes
                visit(path, "int", _digest(v.to_bytes((v.bit_length() + 8) // 8, "little", signed=True)))
            continue
        if t is float:
            visit(path, "float", repr(v))
            continue
        try:
            _walk_object(v, path, visit, seen, alive, stack)
        except Exception:
            visit(path, "unreadable", "")  # a property, __iter__, __getattr__ or items() raised


def _walk_object(
    v: Any,
    path: str,
    visit: Visit,
    seen: dict[int, str],
    alive: list[Any],
    stack: list[tuple[Any, str]],
) -> None:
    cls = type(v)
    name = cls.__qualname__
    if isinstance(v, enum.Enum):
        visit(path, name, v.name)
        return
    if isinstance(v, (bytes, bytearray, memoryview)):
        data = bytes(v)
        visit(path, f"{name}({len(data)})", _digest(data))
        return
    if isinstance(v, str):  # subclasses of the primitives (an IntEnum was handled above)
        visit(path, name, str.__str__(v))
        return
    if isinstance(v, int):
        visit(path, name, int.__repr__(v))
        return
    if isinstance(v, float):
        visit(path, name, float.__repr__(v))
        return
    if isinstance(v, _SCALARS):
        visit(path, name, str(v))
        return
    if isinstance(v, _NAMED):
        visit(path, "function" if not isinstance(v, (type, types.ModuleType)) else name, getattr(v, "__qualname__", getattr(v, "__name__", "")))
        return
    ident = id(v)
    first = seen.get(ident)
    if first is not None:
        visit(path, "reference", first)
        return
    seen[ident] = path
    alive.append(v)
    children: list[tuple[Any, str]] = []
    if isinstance(v, Mapping):
        items = list(v.items())
        visit(path, f"{name}({len(items)})", "")
        by_key = dict(items)
        children = [(by_key[k], f"{path}[{_key_text(k)}]") for k in _sorted_keys(list(by_key))]
    elif isinstance(v, (list, tuple)):
        items = list(v)
        visit(path, f"{name}({len(items)})", "")
        children = [(item, f"{path}[{i}]") for i, item in enumerate(items)]
    elif isinstance(v, (set, frozenset)):
        items = sorted(v, key=lambda item: value_hash(item, 10_000))
        visit(path, f"{name}({len(items)})", "")
        children = [(item, f"{path}{{{i}}}") for i, item in enumerate(items)]
    else:
        if isinstance(v, BaseException):
            visit(path, name, _safe_repr(v.args))
        else:
            visit(path, name, "")
        attrs: dict[str, Any] = {}
        slots = _slots(cls)
        for slot in slots:
            try:
                attrs[slot] = getattr(v, slot)
            except AttributeError:
                continue  # an unset slot: absent
        own = getattr(v, "__dict__", None)
        if isinstance(own, Mapping):
            for key, item in list(own.items()):
                if isinstance(key, str):
                    attrs[key] = item
        children = [(attrs[k], f"{path}.{k}") for k in sorted(attrs)]
    stack.extend(reversed(children))


def value_hash(value: Any, max_nodes: int = MAX_NODES) -> str:
    """A stable hash of `value`'s structure and contents (base64 SHA-1 of its leaves). Never raises."""
    h = hashlib.sha1()

    def visit(path: str, type_: str, text: str) -> None:
        h.update(f"{path}\x00{type_}\x00{text}\x01".encode("utf-8", "surrogatepass"))

    walk_value(value, visit, max_nodes)
    return base64.b64encode(h.digest()).decode("ascii")


def leaves_of(value: Any) -> list[Leaf]:
    """The leaves of `value`, at most `MAX_DIFF_LEAVES`."""
    leaves: list[Leaf] = []
    walk_value(value, lambda p, t, x: leaves.append(Leaf(p, t, x)), MAX_DIFF_LEAVES)
    return leaves


def differences(a: Any, b: Any, max_paths: int) -> list[LeafDifference]:
    """The first `max_paths` paths where `a` and `b` differ, in `a`'s order, then the paths only
    `b` has."""
    right = {leaf.path: leaf for leaf in leaves_of(b)}
    found: list[LeafDifference] = []
    for leaf in leaves_of(a):
        other = right.pop(leaf.path, None)
        if other is not None and other.type == leaf.type and other.text == leaf.text:
            continue
        found.append(LeafDifference(leaf.path, leaf, other))
        if len(found) >= max_paths:
            return found
    for leaf in right.values():
        found.append(LeafDifference(leaf.path, None, leaf))
        if len(found) >= max_paths:
            break
    return found
