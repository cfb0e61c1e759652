"""watch() on cachetools caches and cachetools.cached functions: counted by the cache object."""

from __future__ import annotations

import pickle
import threading
from typing import Any, Iterator

import cachetools
import pytest

import cachelens
from cachelens import registry
from watch_support import new_rows


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield from new_rows()


class FakeTimer:
    """A clock the test moves (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def figures(source: Any) -> tuple[int, int, int, dict[str, int]]:
    s = source.snapshot()
    return s["hits"], s["misses"], s["entries"], s["evictions"]


def test_a_cache_object_counts_lookups_and_evictions_by_cause() -> None:
    prices = cachelens.watch(cachetools.LRUCache(maxsize=2))
    source = registry.find("tests/test_watch_cachetools.py#prices")
    assert source is not None
    prices["a"] = 1
    prices["b"] = 2
    assert prices["a"] == 1  # hit
    assert prices.get("b") == 2  # hit
    assert prices.get("zz", "default") == "default"  # miss
    with pytest.raises(KeyError):
        prices["zz"]  # miss
    assert "a" in prices  # not a lookup
    prices["c"] = 3  # evicts the least recently used ("a"): size
    del prices["b"]  # explicit
    assert prices.pop("c") == 3  # explicit
    prices["d"] = 4
    prices.clear()  # explicit
    assert figures(source) == (2, 2, 0, {"size": 1, "expired": 0, "explicit": 3})
    d = source.descriptor()
    assert d["backendType"] == "cachetools.LRUCache"
    assert d["options"] == {"maxsize": 2}
    assert d["location"]["file"].endswith("tests/test_watch_cachetools.py")  # relative to the working directory, or absolute


def test_the_cache_keeps_its_type_name_and_behaviour() -> None:
    cache = cachetools.LFUCache(maxsize=3)
    cachelens.watch(cache, id="app/x.py#cache")
    assert type(cache).__name__ == "LFUCache"
    assert isinstance(cache, cachetools.LFUCache)
    cache.update({"a": 1, "b": 2})
    assert dict(cache.items()) == {"a": 1, "b": 2}
    assert cache.setdefault("a", 9) == 1
    assert cache.setdefault("c", 3) == 3
    assert figures(registry.find("app/x.py#cache"))[:2] == (0, 0)  # setdefault is not a lookup


def test_ttl_cache_counts_expired_entries_once_with_a_fake_clock() -> None:
    timer = FakeTimer()
    sessions = cachetools.TTLCache(maxsize=10, ttl=60, timer=timer)
    cachelens.watch(sessions)
    source = registry.find("tests/test_watch_cachetools.py#sessions")
    sessions["a"] = 1
    sessions["b"] = 2
    timer.now = 61
    assert sessions.get("a") is None  # expired: a miss
    sessions["c"] = 3  # the cache removes the two expired entries now
    assert figures(source) == (0, 1, 1, {"size": 0, "expired": 2, "explicit": 0})
    assert source.descriptor()["options"] == {"maxsize": 10, "ttl": 60}
    assert source.descriptor()["backendType"] == "cachetools.TTLCache"


def test_a_cached_function_is_its_own_row_counted_by_its_cache() -> None:
    calls = []

    @cachetools.cached(cachetools.LRUCache(maxsize=2))
    def region(code: str) -> str:
        calls.append(code)
        return code.upper()

    cachelens.watch(region)
    for code in ("eu", "eu", "us", "eu", "ap", "us"):  # ap evicts us; us misses again
        region(code)
    source = registry.find(f"tests/test_watch_cachetools.py#{region.__qualname__}")
    assert source is not None
    assert calls == ["eu", "us", "ap", "us"]
    assert figures(source) == (2, 4, 2, {"size": 2, "expired": 0, "explicit": 0})
    region.cache_clear()
    assert figures(source) == (2, 4, 0, {"size": 2, "expired": 0, "explicit": 2})


def test_a_locked_cached_function_counts_each_call_once() -> None:
    lock = threading.Lock()

    @cachetools.cached(cachetools.TTLCache(maxsize=10, ttl=300), lock=lock)
    def slow(x: int) -> int:
        return x

    cachelens.watch(slow)
    for x in (1, 1, 2, 2, 2):
        slow(x)
    source = registry.find(f"tests/test_watch_cachetools.py#{slow.__qualname__}")
    assert figures(source)[:2] == (3, 2)  # setdefault after each miss is not a second lookup
    assert source.clear() is True  # under the function's lock
    assert figures(source)[2:] == (0, {"size": 0, "expired": 0, "explicit": 2})


def test_two_caches_of_one_class_count_apart() -> None:
    first = cachelens.watch(cachetools.LRUCache(maxsize=5))
    second = cachelens.watch(cachetools.LRUCache(maxsize=5))
    first["k"] = 1
    first["k"], second.get("k")
    assert figures(registry.find("tests/test_watch_cachetools.py#first"))[:2] == (1, 0)
    assert figures(registry.find("tests/test_watch_cachetools.py#second"))[:2] == (0, 1)
    assert type(first) is type(second)


def test_a_watched_cache_pickles_as_an_unwatched_cache_of_its_library_class() -> None:
    timer_free = cachelens.watch(cachetools.LRUCache(maxsize=5), id="app/p.py#cache")
    timer_free["k"] = 1
    copy = pickle.loads(pickle.dumps(timer_free))
    assert type(copy) is cachetools.LRUCache
    assert dict(copy.items()) == {"k": 1}
    assert "_cachelens_counters" not in vars(copy)


def test_a_cached_functions_cache_is_found_in_its_closure_when_it_has_no_cache_attribute() -> None:
    """cachetools versions differ in the attributes they set on the wrapper; the closure has it."""

    @cachetools.cached(cachetools.LRUCache(maxsize=4))
    def code(x: str) -> str:
        return x

    del code.cache  # as a version without the attribute
    cachelens.watch(code, id="app/c.py#code")
    code("a"), code("a")
    assert figures(registry.find("app/c.py#code"))[:2] == (1, 1)
