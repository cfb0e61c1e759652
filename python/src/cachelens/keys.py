"""Cache keys: how a call's arguments become the key of its entry.

The memoize layer binds a call to the function's parameters first (Python's own binding, with the
defaults applied), so `f(1)`, `f(a=1)` and `f(1, b=2)` (with `b=2` the default) are one entry.
Then each parameter's value becomes part of the key:

- `None`, `bool`, `int`, `float`, `complex`, `Decimal`, `str`, `bytes`/`bytearray`, and `list`,
  `tuple`, `dict`, `set`/`frozenset` of those, dataclass instances (their compared fields),
  `datetime`/`date`/`time`/`timedelta`, `UUID`, `Enum` members and classes are keyed **by value**,
  deterministically: a dict's or a set's order does not matter.
- Keys follow Python equality, as a `dict` does: `1`, `1.0`, `True` and `Decimal(1)` are one key;
  `[1, 2]` and `(1, 2)` are two (a list is not equal to a tuple). `float("nan")` is one key
  (unlike in a dict, where it never equals itself).
- Other hashable objects are keyed **by identity** (the object is held while its entry lives), on
  the in-process backends only: in another process an identity means nothing, so a shared backend
  (`Store.shared`) raises `CacheKeyError` for them. Unhashable objects that are none of the above
  raise `CacheKeyError` on every backend.
- Nesting deeper than `MAX_DEPTH` levels (a cycle, for instance) or more than `MAX_NODES` values
  in one call raise `CacheKeyError`. So does an argument whose own code (a `__hash__`,
  `__iter__`, property or `tzinfo`) raises while it is read: the error is its cause.

Every `CacheKeyError` names the parameter, the path inside it and the type, and is raised before
the function runs.

`memory_key` builds in-process keys (hashable, equal when the arguments are equal; a lone `str`
or `int` is its own key, so the hit path builds nothing). `shared_key` builds the text key of
shared stores: the same in every process, on every machine and every Python version (no `hash()`,
which is salted per process for `str`).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import enum
import json
import math
import uuid
from decimal import Decimal
from typing import Any, Final, Hashable, Sequence

from .errors import CacheKeyError

__all__ = ["MAX_DEPTH", "MAX_NODES", "memory_key", "memory_value_key", "shared_key", "shared_value_text"]

MAX_DEPTH: Final = 100
"""Deepest nesting of one argument (containers inside containers). Lower than the JS runtime's
1000 because Python's own recursion limit is 1000 frames, shared with the caller's stack."""

MAX_NODES: Final = 1_000_000
"""Most values (containers and scalars) read to key one call."""

_FAST: Final = frozenset((str, int))
"""Types that are their own in-process key (the hit path tests `type(x) is str or ... int`)."""


class _Tag:
    """A private marker opening a container's key, so `[1, 2]`, `{1, 2}` and `(1, 2)` differ."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> str:  # pickled by name: keys may be copied by a store
        return f"_{self.name.upper()}"


_LIST = _Tag("list")
_DICT = _Tag("dict")
_SET = _Tag("set")
_DATACLASS = _Tag("dataclass")
_NAN = _Tag("nan")


class _Identity:
    """An object keyed by identity: equal only to itself, whatever its own `__eq__` says."""

    __slots__ = ("obj", "_hash")

    def __init__(self, obj: object) -> None:
        self.obj = obj
        self._hash = id(obj)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return type(other) is _Identity and other.obj is self.obj

    def __repr__(self) -> str:
        return f"<{type(self.obj).__qualname__} at {self._hash:#x}>"


_VALUE_SCALARS: Final = (
    _dt.date,  # datetime too (a subclass)
    _dt.time,
    _dt.timedelta,
    uuid.UUID,
    Decimal,
    complex,
)


class _Walk:
    """The state of keying one call: the parameter named in errors and the values read so far."""

    __slots__ = ("parameter", "nodes", "shared", "function")

    def __init__(self, function: str, parameter: str, shared: bool) -> None:
        self.function = function
        self.parameter = parameter
        self.nodes = 0
        self.shared = shared

    def fail(self, path: str, problem: str) -> CacheKeyError:
        where = f"{self.parameter}{path}"
        return CacheKeyError(
            f"cachelens: {self.function}: argument `{where}` cannot be part of a cache key: {problem}. "
            "Pass a value keyed by value (str, int, float, bytes, tuple, list, dict, set, dataclass, "
            "datetime, Decimal, UUID, Enum), or memoize a function that takes one",
            parameter=self.parameter,
            path=path,
        )

    def unreadable(self, path: str, error: Exception) -> CacheKeyError:
        """The argument's own code (`__hash__`, `__iter__`, a property, `__repr__` of a dict key...)
        raised while the key was read from it."""
        return self.fail(path, f"reading it raised {type(error).__name__}: {error}")

    def count(self, path: str) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(path, f"the arguments hold more than {MAX_NODES} values")


def _is_dataclass_instance(value: object) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _memory(value: Any, walk: _Walk, path: str, depth: int) -> Hashable:
    t = type(value)
    if t is str or t is int or value is None or t is bool or t is bytes:
        return value  # type: ignore[no-any-return]
    try:
        walk.count(path)
        if depth > MAX_DEPTH:
            raise walk.fail(path, f"it is nested deeper than {MAX_DEPTH} levels (or holds itself)")
        if t is float:
            return _NAN if math.isnan(value) else value
        if t is tuple or isinstance(value, tuple):  # a named tuple equals the tuple of its values
            return tuple(_memory(x, walk, f"{path}[{i}]", depth + 1) for i, x in enumerate(value))
        if t is list or isinstance(value, list):
            return (_LIST, *(_memory(x, walk, f"{path}[{i}]", depth + 1) for i, x in enumerate(value)))
        if t is dict or isinstance(value, dict):
            return (
                _DICT,
                frozenset(
                    (_memory(k, walk, f"{path}.<key>", depth + 1), _memory(v, walk, f"{path}[{k!r}]", depth + 1))
                    for k, v in value.items()
                ),
            )
        if isinstance(value, (set, frozenset)):
            return (_SET, frozenset(_memory(x, walk, f"{path}.<item>", depth + 1) for x in value))
        if isinstance(value, (str, bytes)):
            hash(value)  # a subclass's own __hash__ runs here, not in the store's lookup
            return value  # type: ignore[no-any-return]
        if isinstance(value, bytearray):
            return bytes(value)
        if isinstance(value, float):
            return _NAN if math.isnan(value) else value
        if isinstance(value, (int, enum.Enum, type) + _VALUE_SCALARS):
            if isinstance(value, Decimal) and value.is_nan():
                return _NAN
            if isinstance(value, complex) and (math.isnan(value.real) or math.isnan(value.imag)):
                return (_NAN, repr(value))
            # Kept as itself, so hashed by the store's lookup: hashed here first, where its own code
            # (an Enum's or int subclass's __hash__, a datetime's tzinfo) is caught and named.
            hash(value)
            return value  # type: ignore[no-any-return]
        if _is_dataclass_instance(value):
            return (
                _DATACLASS,
                type(value),
                tuple(
                    _memory(getattr(value, f.name), walk, f"{path}.{f.name}", depth + 1)
                    for f in dataclasses.fields(value)
                    if f.compare
                ),
            )
        try:
            hash(value)
        except TypeError:
            raise walk.fail(path, f"{_type_name(value)} is not hashable and has no value rule") from None
        return _Identity(value)
    except CacheKeyError:
        raise
    except Exception as error:  # noqa: BLE001 - the argument's own code raised while being read
        raise walk.unreadable(path, error) from error


def memory_value_key(value: Any, parameter: str = "arg", function: str = "") -> Hashable:
    """The in-process key of one argument (see the module's rules)."""
    t = type(value)
    if t is str or t is int:
        return value  # type: ignore[no-any-return]
    return _memory(value, _Walk(function, parameter, False), "", 0)


def memory_key(values: Sequence[Any], names: Sequence[str], function: str = "") -> Hashable:
    """The in-process key of a bound call: its parameters' values in order (`names` their names,
    for errors). One parameter: its value's key; several: the tuple of their keys."""
    if len(values) == 1:
        return memory_value_key(values[0], names[0], function)
    walk = _Walk(function, "", False)
    parts = []
    for value, name in zip(values, names):
        walk.parameter = name
        parts.append(_memory(value, walk, "", 0))
    return tuple(parts)


def _type_name(value: object) -> str:
    t = type(value)
    module = t.__module__
    return t.__qualname__ if module in ("builtins", "__main__") else f"{module}.{t.__qualname__}"


def _number_text(value: int | float) -> str:
    if isinstance(value, int):
        return str(int(value))
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer():
        return str(int(value))
    return repr(float(value))


def _decimal_text(value: Decimal) -> str:
    if value.is_nan():
        return "nan"
    if value.is_infinite():
        return "inf" if value > 0 else "-inf"
    if value == value.to_integral_value():
        return str(int(value))
    as_float = float(value)
    if Decimal(as_float) == value:
        return repr(as_float)
    return f"dec:{value.normalize()}"


def _shared(value: Any, walk: _Walk, path: str, depth: int) -> str:
    try:
        walk.count(path)
        if depth > MAX_DEPTH:
            raise walk.fail(path, f"it is nested deeper than {MAX_DEPTH} levels (or holds itself)")
        if value is None:
            return "null"
        if isinstance(value, str):
            return json.dumps(str.__str__(value))
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, (int, float)):
            return _number_text(value)
        if isinstance(value, Decimal):
            return _decimal_text(value)
        if isinstance(value, complex):
            return _number_text(value.real) if value.imag == 0 else f"cpx:{value!r}"
        if isinstance(value, (bytes, bytearray)):
            return "b:" + base64.b64encode(bytes(value)).decode("ascii")
        if isinstance(value, tuple):
            return "(" + ",".join(_shared(x, walk, f"{path}[{i}]", depth + 1) for i, x in enumerate(value)) + ")"
        if isinstance(value, list):
            return "[" + ",".join(_shared(x, walk, f"{path}[{i}]", depth + 1) for i, x in enumerate(value)) + "]"
        if isinstance(value, dict):
            pairs = sorted(
                _shared(k, walk, f"{path}.<key>", depth + 1) + ":" + _shared(v, walk, f"{path}[{k!r}]", depth + 1)
                for k, v in value.items()
            )
            return "{" + ",".join(pairs) + "}"
        if isinstance(value, (set, frozenset)):
            return "set{" + ",".join(sorted(_shared(x, walk, f"{path}.<item>", depth + 1) for x in value)) + "}"
        if isinstance(value, _dt.datetime):
            if value.tzinfo is not None and value.utcoffset() is not None:
                utc = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
                return f"dt:{utc.isoformat()}Z"
            return f"dt:{value.isoformat()}"
        if isinstance(value, _dt.date):
            return f"date:{value.isoformat()}"
        if isinstance(value, _dt.time):
            return f"time:{value.isoformat()}"
        if isinstance(value, _dt.timedelta):
            return f"td:{value.days},{value.seconds},{value.microseconds}"
        if isinstance(value, uuid.UUID):
            return f"uuid:{value}"
        if isinstance(value, enum.Enum):
            t = type(value)
            return f"enum:{t.__module__}.{t.__qualname__}.{value.name}"
        if isinstance(value, type):
            return f"type:{value.__module__}.{value.__qualname__}"
        if _is_dataclass_instance(value):
            t = type(value)
            fields = ",".join(
                f"{f.name}={_shared(getattr(value, f.name), walk, f'{path}.{f.name}', depth + 1)}"
                for f in dataclasses.fields(value)
                if f.compare
            )
            return f"dc:{t.__module__}.{t.__qualname__}({fields})"
        try:
            hash(value)
        except TypeError:
            raise walk.fail(path, f"{_type_name(value)} is not hashable and has no value rule") from None
        raise walk.fail(
            path,
            f"{_type_name(value)} is keyed by identity, which means nothing to another process; "
            "a shared backend needs arguments keyed by value",
        )
    except CacheKeyError:
        raise
    except Exception as error:  # noqa: BLE001 - the argument's own code raised while being read
        raise walk.unreadable(path, error) from error


def shared_value_text(value: Any, parameter: str = "arg", function: str = "") -> str:
    """The stable text of one argument for shared stores."""
    return _shared(value, _Walk(function, parameter, True), "", 0)


def shared_key(values: Sequence[Any], names: Sequence[str], function: str = "") -> str:
    """The stable text key of a bound call for shared stores: each parameter's text, joined with
    `,` (every text delimits itself). The same in every process and Python version."""
    walk = _Walk(function, "", True)
    parts = []
    for value, name in zip(values, names):
        walk.parameter = name
        parts.append(_shared(value, walk, "", 0))
    return ",".join(parts)
