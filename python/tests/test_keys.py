"""Keys: by value, deterministic, following Python equality; stable text for shared stores."""

from __future__ import annotations

import datetime as dt
import enum
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from cachelens import CacheKeyError
from cachelens.keys import MAX_DEPTH, memory_key, shared_key


class Color(enum.Enum):
    RED = "r"


class Level(enum.IntEnum):
    ONE = 1


@dataclass
class Point:
    x: int
    y: int
    note: str = field(default="", compare=False)


def mk(*values: Any) -> Any:
    return memory_key(values, [f"p{i}" for i in range(len(values))])


def sk(*values: Any) -> str:
    return shared_key(values, [f"p{i}" for i in range(len(values))])


EQUAL = [
    (1, 1.0),
    (1, True),
    (1, Decimal("1.0")),
    (Level.ONE, 1),
    ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}),
    ({1, 2, 3}, frozenset({3, 2, 1})),
    (b"ab", bytearray(b"ab")),
    (Point(1, 2, "x"), Point(1, 2, "y")),
    (dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone.utc), dt.datetime(2024, 1, 1, 13, tzinfo=dt.timezone(dt.timedelta(hours=1)))),
    (float("nan"), float("nan")),
    (0.5, Decimal("0.5")),
]

DIFFERENT = [
    (1, "1"),
    ((1, 2), [1, 2]),
    ([1, 2], {1, 2}),
    (dt.date(2024, 1, 1), dt.datetime(2024, 1, 1)),
    (dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)),
    (Point(1, 2), (1, 2)),
    (Color.RED, "r"),
    (None, 0),
    (0.1, Decimal("0.1")),
    ({"a": 1}, [("a", 1)]),
]


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_values_make_one_key(a: Any, b: Any) -> None:
    assert mk(a) == mk(b) and hash(mk(a)) == hash(mk(b))
    assert sk(a) == sk(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_values_make_different_keys(a: Any, b: Any) -> None:
    assert mk(a) != mk(b)
    assert sk(a) != sk(b)


def test_one_str_or_int_is_its_own_memory_key() -> None:
    assert mk("eu") == "eu" and mk(7) == 7
    assert mk("a", 1) == ("a", 1)


def test_other_hashable_objects_are_keyed_by_identity_in_memory_only() -> None:
    class Thing:
        def __eq__(self, other: object) -> bool:
            return True

        def __hash__(self) -> int:
            return 1

    a, b = Thing(), Thing()
    assert mk(a) == mk(a) and mk(a) != mk(b)
    with pytest.raises(CacheKeyError) as info:
        shared_key((1, {"k": a}), ["region", "options"], "app.py#f")
    message = str(info.value)
    assert "options" in message and "Thing" in message and "identity" in message and "app.py#f" in message
    assert info.value.parameter == "options" and info.value.path == "['k']"


def test_unhashable_objects_without_a_value_rule_are_refused_everywhere() -> None:
    class Bag:
        __hash__ = None  # type: ignore[assignment]

    for build in (mk, sk):
        with pytest.raises(CacheKeyError, match="Bag is not hashable"):
            build([Bag()])


class _Boom(Exception):
    """What a hostile argument raises while it is read."""


class _HashBoom:
    def __hash__(self) -> int:
        raise _Boom("hash")


class _ReprBoom:
    def __hash__(self) -> int:
        return 1

    def __eq__(self, other: object) -> bool:
        return other is self

    def __repr__(self) -> str:
        raise _Boom("repr")


class _IterBoom(list):  # type: ignore[type-arg]
    def __iter__(self) -> Any:
        raise _Boom("iter")


class _ClassBoom:
    def __getattribute__(self, name: str) -> Any:
        raise _Boom("getattribute")


@dataclass
class _FieldBoom:
    x: int

    def __getattribute__(self, name: str) -> Any:
        if name == "x":
            raise _Boom("field")
        return object.__getattribute__(self, name)


class _StrHashBoom(str):
    def __hash__(self) -> int:
        raise _Boom("str hash")


class _OffsetBoom(dt.tzinfo):
    def utcoffset(self, when: Any) -> Any:
        raise _Boom("utcoffset")


def test_an_argument_whose_own_code_raises_while_read_is_refused_with_its_path() -> None:
    # Each value runs user code (a dunder, a property, a tzinfo) that raises while the key is
    # read: the error is a CacheKeyError naming the parameter and the path, chained to the cause.
    # (A dict key keyed by identity is refused by shared keys before its repr is read.)
    cases: list[tuple[Any, str, tuple[Any, ...]]] = [
        ({"k": _HashBoom()}, "['k']", (mk, sk)),
        ([1, _IterBoom([2])], "[1]", (mk, sk)),
        ({_ReprBoom(): 1}, "", (mk,)),
        ((_ClassBoom(),), "[0]", (mk, sk)),
        ({"p": _FieldBoom(1)}, "['p']", (mk, sk)),
        (dt.datetime(2020, 1, 1, tzinfo=_OffsetBoom()), "", (mk, sk)),
        ([_StrHashBoom("a")], "[0]", (mk,)),
    ]
    for value, path, builds in cases:
        for build in builds:
            with pytest.raises(CacheKeyError) as info:
                build("eu", value)
            assert info.value.parameter == "p1", (value, build)
            assert info.value.path == path, (value, build, info.value.path)
            assert "raised _Boom" in str(info.value)
            assert isinstance(info.value.__cause__, _Boom)


def test_deep_nesting_and_cycles_are_refused() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(MAX_DEPTH + 5):
        node.append([])
        node = node[0]
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    for value in (deep, cyclic):
        for build in (mk, sk):
            with pytest.raises(CacheKeyError, match="deeper than"):
                build(value)


def test_shared_keys_are_readable_and_sorted() -> None:
    assert sk("eu", 3) == '"eu",3'
    assert sk({"b": 1, "a": [1.5, None, True]}) == '{"a":[1.5,null,1],"b":1}'
    assert sk(uuid.UUID(int=1)) == "uuid:00000000-0000-0000-0000-000000000001"
    assert sk(Color.RED).startswith("enum:") and sk(Point) .startswith("type:")


def test_shared_keys_are_the_same_in_another_process() -> None:
    """str hashes are salted per process; the shared key must not depend on them."""
    code = (
        "from cachelens.keys import shared_key;"
        "print(shared_key(({'x', 'y', 'z', 'w'}, {'k': frozenset({'a', 'b'})}), ['a', 'b']))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_env(seed)).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1 and outputs.pop().strip() == 'set{"w","x","y","z"},{"k":set{"a","b"}}'


def _env(seed: str) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONHASHSEED": seed}
