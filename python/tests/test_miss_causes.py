"""Why a miss missed, on the in-process stores (memory, lru), where the causes are exact: first
use, expiry (fake clock), eviction, delete and clear, a computation that raised; the counts add up
to the misses, reach the live protocol's `missCauses`, and are omitted on shared stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cachelens import cache_of, config, memoize
from cachelens.miss_causes import CAUSES, MissCauses
from cachelens.reporter.messages import stats_entry
from conftest import FakeClock


def _causes(f: Any) -> dict[str, int]:
    s = cache_of(f).stats()
    causes = s["miss_causes"]
    assert sum(causes.values()) == s["misses"]
    return {k: v for k, v in causes.items() if v}


@pytest.mark.parametrize("backend", ["memory", "lru"])
def test_first_use_is_cold_and_a_key_past_its_ttl_is_expired(backend: str) -> None:
    clock = FakeClock()

    @memoize(backend=backend, ttl="30s", max=10, clock=clock)
    def f(x: int) -> int:
        return x

    assert "miss_causes" not in cache_of(f).stats()
    f(1)
    f(2)
    f(1)
    clock.advance(30_000)
    f(1)
    assert _causes(f) == {"cold": 2, "expired": 1}


@pytest.mark.parametrize("backend", ["memory", "lru"])
def test_a_second_pass_over_more_keys_than_max_misses_by_eviction(backend: str) -> None:
    @memoize(backend=backend, max=2)
    def f(x: int) -> int:
        return x

    for _ in range(2):
        for i in range(10):
            f(i)
    causes = _causes(f)
    assert causes["cold"] == 10
    assert causes["evicted"] == cache_of(f).stats()["misses"] - 10 >= 8
    assert set(causes) == {"cold", "evicted"}


@pytest.mark.parametrize("backend", ["memory", "lru"])
def test_delete_and_clear_are_invalidations_and_a_raise_is_not_cacheable(backend: str) -> None:
    @memoize(backend=backend, max=10)
    def f(x: int) -> int:
        if x < 0:
            raise ValueError("negative")
        return x

    f(1)
    f(2)
    cache_of(f).delete(1)
    f(1)
    cache_of(f).clear()
    f(2)
    for _ in range(2):
        with pytest.raises(ValueError):
            f(-1)
    assert _causes(f) == {"cold": 3, "invalidated": 2, "notCacheable": 1}


def test_methods_keep_each_instance_keys_apart() -> None:
    class Repo:
        @memoize(max=10)
        def find(self, x: int) -> int:
            return x

    a, b = Repo(), Repo()
    a.find(1)
    b.find(1)  # another instance's first use, not an eviction
    assert _causes(Repo.find) == {"cold": 2}


def test_the_live_protocol_entry_carries_them() -> None:
    @memoize(ttl="1m", max=10, id="tests/miss_causes#live")
    def f(x: int) -> int:
        return x

    f(1)
    entry = stats_entry(cache_of(f)._memo)  # noqa: SLF001
    assert entry is not None
    sent = json.loads(entry[1])
    assert sent["missCauses"] == {**dict.fromkeys(CAUSES, 0), "cold": 1, "ttlMs": 60_000}


def test_a_shared_store_omits_them(tmp_path: Path) -> None:
    (tmp_path / "cachelens.config.json").write_text(json.dumps({"backends": {"chosen": {"type": "disk", "path": "cache"}}}))
    config.reload_config()

    @memoize(backend="chosen", id="tests/miss_causes#shared")
    def f(x: int) -> int:
        return x

    f(1)
    f(2)
    assert cache_of(f).stats()["misses"] == 2
    assert "miss_causes" not in cache_of(f).stats()
    entry = stats_entry(cache_of(f)._memo)  # noqa: SLF001
    assert entry is not None and "missCauses" not in json.loads(entry[1])


def test_the_log_forgets_the_oldest_keys_past_its_capacity() -> None:
    causes = MissCauses(ttl_ms=None, capacity=3)
    for key in range(5):
        causes.wrote(key, 0.0)
    causes.miss(0, 1.0)  # forgotten: counted as a first use
    causes.miss(4, 1.0)  # remembered, live, gone: evicted
    assert {k: v for k, v in causes.counts.items() if v} == {"cold": 1, "evicted": 1}
