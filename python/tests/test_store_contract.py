"""The store contract (stores/base.py), run against every backend: lru, disk, redis, memcached and
tiered, the remote ones on real servers."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import threading
from typing import Iterator

import pytest

from cachelens.stores.base import MISS, Store
from cachelens.stores.remote.errors import ValueNotSerializableError

from backends import ALL, SHARED, StoreMaker, entry_for
from conftest import FakeClock, eventually


def _maker(request: pytest.FixtureRequest, tmp_path) -> Iterator[StoreMaker]:
    maker = StoreMaker(request.param, entry_for(request.param, request, tmp_path))
    yield maker
    maker.close()


@pytest.fixture(params=ALL)
def make(request: pytest.FixtureRequest, tmp_path) -> Iterator[StoreMaker]:
    yield from _maker(request, tmp_path)


@pytest.fixture(params=SHARED)
def make_shared(request: pytest.FixtureRequest, tmp_path) -> Iterator[StoreMaker]:
    """The backends that serialize values."""
    yield from _maker(request, tmp_path)


@pytest.fixture(params=["lru", "disk"])
def make_counting_expiry(request: pytest.FixtureRequest, tmp_path) -> Iterator[StoreMaker]:
    """The backends that meet expired entries (on the remote ones, expiry is the server's and an
    expired entry is never met: stores/remote/store.py)."""
    yield from _maker(request, tmp_path)


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: int


def test_a_store_is_a_store_of_its_kind(make: StoreMaker) -> None:
    store = make()
    assert isinstance(store, Store)
    assert store.kind == make.kind
    assert store.shared is (make.kind in SHARED)
    assert store.health() == "ok"


def test_an_absent_key_is_a_miss_and_a_cached_none_is_a_value(make: StoreMaker) -> None:
    store = make()
    assert store.get('"absent"') is MISS
    store.set('"none"', None, None)
    assert store.get('"none"') is None


@pytest.mark.parametrize(
    "value",
    [
        {"eu": (1, 2.5), 3: {"nested": [True, None]}},
        {1, 2, 3},
        b"\x00bytes",
        datetime.datetime(2026, 12, 6, 14, 0, tzinfo=datetime.timezone.utc),
        decimal.Decimal("1.10"),
        Point(1, 2),
        "x" * 100_000,
    ],
    ids=["dict-of-tuples", "set", "bytes", "datetime", "decimal", "dataclass", "large-string"],
)
def test_a_value_comes_back_as_it_went_in(make: StoreMaker, value: object) -> None:
    store = make()
    store.set('"k"', value, None)
    got = store.get('"k"')
    assert got == value
    assert type(got) is type(value)
    assert store.test_events.errors == []


def test_a_set_replaces_the_value(make: StoreMaker) -> None:
    store = make()
    store.set('"k"', 1, None)
    store.set('"k"', 2, None)
    assert store.get('"k"') == 2


def test_delete_removes_a_live_entry_once_and_counts_it_explicit(make: StoreMaker) -> None:
    store = make()
    store.set('"k"', 1, None)
    assert store.delete('"k"') is True
    assert store.get('"k"') is MISS
    assert store.delete('"k"') is False
    assert store.test_events.evictions == {"size": 0, "expired": 0, "explicit": 1}


def test_clear_removes_every_entry_of_the_function_only(make: StoreMaker) -> None:
    store = make(namespace="app/test.py#f")
    other = make(namespace="app/test.py#g")
    for i in range(5):
        store.set(f'"k{i}"', i, None)
    other.set('"k0"', "other", None)
    assert store.clear() is True
    assert all(store.get(f'"k{i}"') is MISS for i in range(5))
    assert other.get('"k0"') == "other"
    store.set('"k1"', "after", None)
    assert store.get('"k1"') == "after"


def test_functions_with_the_same_key_never_share_entries(make: StoreMaker) -> None:
    f = make(namespace="app/test.py#f")
    g = make(namespace="app/test.py#g")
    f.set('"k"', "f", None)
    assert g.get('"k"') is MISS
    g.set('"k"', "g", None)
    assert f.get('"k"') == "f"


def test_long_and_unprintable_keys_are_kept_apart(make: StoreMaker) -> None:
    store = make()
    long_a = '"' + "a" * 2000 + '"'
    long_b = '"' + "a" * 1999 + 'b"'
    spaced = '"a key with spaces\n and é"'
    store.set(long_a, "A", None)
    store.set(long_b, "B", None)
    store.set(spaced, "S", None)
    assert (store.get(long_a), store.get(long_b), store.get(spaced)) == ("A", "B", "S")
    assert store.test_events.errors == []


def test_entries_counts_what_the_store_holds(make: StoreMaker) -> None:
    store = make()
    for i in range(3):
        store.set(f'"k{i}"', i, None)
    if make.kind in ("redis", "memcached"):
        assert store.entries() == 0  # unknown without a scan of the server
    else:
        assert store.entries() == 3
        store.delete('"k0"')
        assert store.entries() == 2


def test_an_entry_expires_after_its_ttl(make: StoreMaker) -> None:
    if make.kind in ("lru", "disk"):
        clock = FakeClock()
        store = make(clock=clock)
        store.set('"k"', 1, 1000)
        clock.advance(999)
        assert store.get('"k"') == 1
        clock.advance(1)
        assert store.get('"k"') is MISS
        assert store.test_events.evictions["expired"] == 1
        assert store.get('"k"') is MISS
        assert store.test_events.evictions["expired"] == 1  # counted once
    else:
        # The server keeps the TTL (Memcached in whole seconds): real time, bounded waits.
        ttl = 1000 if make.kind == "memcached" else 150
        store = make()
        store.set('"k"', 1, ttl)
        store.set('"forever"', 2, None)
        assert store.get('"k"') == 1
        assert eventually(lambda: store.get('"k"') is MISS, timeout_s=5)
        assert store.get('"forever"') == 2


def test_an_expired_entry_is_counted_expired_not_explicit_or_size(make_counting_expiry: StoreMaker) -> None:
    clock = FakeClock()
    store = make_counting_expiry(clock=clock)
    store.set('"a"', 1, 10)
    store.set('"b"', 1, 10)
    store.set('"c"', 1, 10)
    clock.advance(10)
    assert store.delete('"a"') is False  # met by a delete
    store.set('"b"', 2, None)  # met by a write
    assert store.clear() is True  # met by a clear
    assert store.test_events.evictions == {"size": 0, "expired": 3, "explicit": 0}


def test_an_unserializable_value_is_not_stored_and_is_counted(make: StoreMaker) -> None:
    store = make()
    lock = threading.Lock()
    store.set('"k"', lock, None)  # never raises
    if make.kind == "lru":
        assert store.get('"k"') is lock  # in process: any object is kept as is
        return
    assert store.get('"k"') is MISS
    assert len(store.test_events.errors) == 1
    assert isinstance(store.test_events.errors[0], ValueNotSerializableError)
    store.set('"k"', "fine", None)
    assert store.get('"k"') == "fine"


def test_a_value_nested_past_the_recursion_limit_is_refused_not_raised(make_shared: StoreMaker) -> None:
    store = make_shared()
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    store.set('"deep"', deep, None)
    assert store.get('"deep"') is MISS
    assert isinstance(store.test_events.errors[-1], ValueNotSerializableError)


def test_an_eviction_for_room_counts_size_and_keeps_the_newest(make_counting_expiry: StoreMaker) -> None:
    store = make_counting_expiry(max=3)
    for i in range(5):
        store.set(f'"k{i}"', i, None)
    assert store.entries() == 3
    assert store.test_events.evictions == {"size": 2, "expired": 0, "explicit": 0}
    assert store.get('"k4"') == 4
    assert store.get('"k0"') is MISS


def test_a_value_too_large_is_returned_uncached_and_counted(make_shared: StoreMaker) -> None:
    from cachelens.stores.remote.errors import ValueTooLargeError

    store = make_shared(maxValueBytes=1000, compressAboveBytes=False)
    store.set('"big"', "x" * 2000, None)
    assert store.get('"big"') is MISS
    assert isinstance(store.test_events.errors[-1], ValueTooLargeError)
    store.set('"small"', "x" * 100, None)
    assert store.get('"small"') == "x" * 100


def test_a_compressed_value_comes_back(make_shared: StoreMaker) -> None:
    store = make_shared(compressAboveBytes=100)
    value = {"rows": ["same row"] * 10_000}
    store.set('"big"', value, None)
    assert store.get('"big"') == value


@pytest.mark.parametrize("namespace", ["app/" + "n" * 111 + ".py#f", "app/" + "n" * 4000 + ".py#f", "app/é ü.py#f"])
@pytest.mark.parametrize("key_length", [1, 100, 250, 5000])
def test_memcached_keys_stay_within_250_bytes_with_the_longest_prefix(memcached_server, namespace: str, key_length: int) -> None:
    make = StoreMaker("memcached", {"type": "memcached", "servers": memcached_server.address, "keyPrefix": "p" * 99 + ":"})
    try:
        store = make(namespace=namespace)
        key = '"' + "k" * key_length + '"'
        store.set(key, key_length, None)
        assert store.get(key) == key_length
        assert store.clear() is True
        assert store.get(key) is MISS
        assert store.test_events.errors == []
    finally:
        make.close()
