"""The memory store: bounded, second-chance LRU, TTL with exact expiry accounting, thread-safe."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from cachelens import ConfigError
from cachelens.stores.base import MISS, EvictionCause, Store, StoreContext
from cachelens.stores.memory import MemoryStore, create
from conftest import FakeClock


class Events:
    def __init__(self) -> None:
        self.evictions: Counter[str] = Counter()
        self.errors = 0

    def evicted(self, cause: EvictionCause, count: int = 1) -> None:
        self.evictions[cause] += count

    def backend_error(self, error: BaseException) -> None:
        self.errors += 1


def make(clock: FakeClock, max_entries: float = 3) -> tuple[MemoryStore, Events]:
    events = Events()
    store = create({"type": "memory", "max": max_entries}, StoreContext(namespace="t#f", now=clock, events=events))
    return store, events


def test_it_is_a_store(clock: FakeClock) -> None:
    store, _ = make(clock)
    assert isinstance(store, Store) and store.kind == "memory" and store.shared is False


def test_get_set_delete_and_a_cached_none(clock: FakeClock) -> None:
    store, events = make(clock)
    assert store.get("a") is MISS
    store.set("a", None, None)
    assert store.get("a") is None
    assert store.delete("a") is True and store.delete("a") is False
    assert events.evictions == Counter({"explicit": 1})


def test_the_least_recently_used_entry_leaves_first(clock: FakeClock) -> None:
    store, events = make(clock, 3)
    for k in "abc":
        store.set(k, k, None)
    store.get("a")
    store.set("d", "d", None)  # b is the oldest unused
    assert [store.get(k) for k in "abcd"] == ["a", MISS, "c", "d"]
    store.set("e", "e", None)
    assert store.entries() == 3 and events.evictions == Counter({"size": 2})


def test_an_entry_met_past_its_expiry_counts_expired_however_it_leaves(clock: FakeClock) -> None:
    store, events = make(clock, 3)
    store.set("read", 1, 1000)
    store.set("evicted", 1, 1000)
    clock.advance(1000)
    assert store.get("read") is MISS  # read
    store.set("x", 1, None)
    store.set("y", 1, None)
    store.set("v", 1, None)  # full: evicts "evicted", which is past its expiry
    assert events.evictions == Counter({"expired": 2})
    store.set("x", 2, 10)  # replacing a live entry counts nothing
    clock.advance(10)
    assert store.delete("x") is False  # delete
    store.set("z", 1, 10)
    clock.advance(10)
    store.set("z", 2, None)  # write over it
    store.set("v", 2, 5)
    clock.advance(5)
    assert store.clear() is True  # clear: y and z live, v expired
    assert events.evictions == Counter({"expired": 5, "explicit": 2})


def test_reading_the_gauges_changes_no_figure(clock: FakeClock) -> None:
    store, events = make(clock)
    store.set("a", "x" * 100, 50)
    assert store.entries() == 1 and store.bytes() > 100
    clock.advance(50)
    assert store.entries() == 0 and store.bytes() == 0
    assert store.entries() == 0
    assert events.evictions == Counter({"expired": 1})


def test_max_is_checked(clock: FakeClock) -> None:
    with pytest.raises(ConfigError, match="max"):
        make(clock, 0)
    with pytest.raises(ConfigError, match="maxBytes"):
        create({"type": "memory", "maxBytes": 10}, StoreContext("t#f", clock, Events()))


def test_concurrent_writers_keep_the_bound_and_count_every_eviction(clock: FakeClock) -> None:
    store, events = make(clock, 50)
    writes_per_thread = 2000

    def write(prefix: str) -> None:
        for i in range(writes_per_thread):
            store.set(f"{prefix}{i}", i, None)
            store.get(f"{prefix}{i // 2}")

    threads = [threading.Thread(target=write, args=(p,)) for p in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert store.entries() == 50
    assert events.evictions["size"] == 4 * writes_per_thread - 50
