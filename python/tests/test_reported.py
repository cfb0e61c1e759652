"""What the reporter reads: each memoized function is a registry.Reported from its creation, with
the protocol's descriptor and snapshot; a fork starts the child with empty caches and zero
counters; a failing store never reaches the caller."""

from __future__ import annotations

import os
from typing import Any, Hashable

import pytest

from cachelens import cache_of, memoize, registry
from cachelens.stores.base import MISS
from conftest import FakeClock

pytestmark = pytest.mark.usefixtures("call_path")  # the C and the Python hit paths


def test_a_memoized_function_is_registered_with_its_descriptor() -> None:
    @memoize(id="app/prices.py#prices_by_region", ttl="5m", max=10)
    def prices_by_region(region: str) -> dict[str, int]:
        return {region: 1}

    source = registry.find("app/prices.py#prices_by_region")
    assert isinstance(source, registry.Reported)
    d = source.descriptor()
    assert d["id"] == "app/prices.py#prices_by_region"
    assert (d["backend"], d["backendType"], d["options"]) == ("memory", "memory", {"ttl": 300.0, "max": 10})
    assert d["location"]["file"].endswith("test_reported.py") and isinstance(d["location"]["line"], int)


def test_the_snapshot_has_every_protocol_field(clock: FakeClock) -> None:
    @memoize(id="t#snap", clock=clock)
    def f(x: int) -> int:
        clock.advance(8)
        return x

    f(1), f(1), f(2)
    snap = dict(registry.find("t#snap").snapshot())  # type: ignore[union-attr]
    assert snap == {
        "id": "t#snap",
        "hits": 1,
        "misses": 2,
        "errors": 0,
        "evictions": {"size": 0, "expired": 0, "explicit": 0},
        "entries": 2,
        "bytes": snap["bytes"],
        "computeMs": 16,
        "computed": 2,
        "savedMs": 8,
        "staleServed": 0,
        "backendErrors": 0,
        "health": "ok",
        "missCauses": {
            "cold": 2, "expired": 0, "evicted": 0, "invalidated": 0, "bypassed": 0, "notCacheable": 0, "unavailable": 0, "unknown": 0,
        },
    }
    assert snap["bytes"] > 0
    assert registry.find("t#snap").clear() is True  # type: ignore[union-attr]
    assert registry.find("t#snap").snapshot()["entries"] == 0  # type: ignore[union-attr]


def test_a_verified_function_adds_verify_to_its_snapshot(clock: FakeClock) -> None:
    @memoize(id="t#snap-verify", clock=clock, verify=0.5)
    def f(x: int) -> int:
        return x

    snap = dict(registry.find("t#snap-verify").snapshot())  # type: ignore[union-attr]
    assert snap["verify"] == {"checked": 0, "differed": 0, "failed": 0, "mutated": 0}
    assert set(snap) == {
        "id", "hits", "misses", "errors", "evictions", "entries", "bytes", "computeMs", "computed", "savedMs",
        "staleServed", "backendErrors", "health", "verify",
    }


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_starts_with_empty_caches_and_zero_counters() -> None:
    @memoize(id="t#fork")
    def f(x: int) -> int:
        return x

    f(1), f(1)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            before = cache_of(f).stats()
            f(1)
            after = cache_of(f).stats()
            ok = (before["hits"], before["misses"], before["entries"]) == (0, 0, 0) and (
                after["hits"],
                after["misses"],
                after["entries"],
            ) == (0, 1, 1)
            os.write(write, b"ok" if ok else repr((before, after)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert message == "ok" and status == 0
    s = cache_of(f).stats()
    assert (s["hits"], s["misses"], s["entries"]) == (1, 1, 1)  # the parent's are untouched


class BrokenStore:
    """A store whose every operation raises (a store should not, but the call must not care)."""

    kind = "memory"
    shared = False

    def get(self, key: Hashable) -> Any:
        raise OSError("disk on fire")

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        raise OSError("disk on fire")

    def delete(self, key: Hashable) -> bool:
        raise OSError("disk on fire")

    def clear(self) -> bool:
        raise OSError("disk on fire")

    def entries(self) -> int:
        raise OSError("disk on fire")

    def bytes(self) -> int:
        return 0

    def health(self) -> str:
        return "degraded"

    def close(self) -> None:
        pass


def test_a_store_that_raises_is_a_miss_never_an_error_in_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from cachelens import config

    real = config.store_factory
    monkeypatch.setattr(config, "store_factory", lambda kind, name: (lambda c, ctx: BrokenStore()) if kind == "lru" else real(kind, name))

    @memoize(backend="lru")
    def f(x: int) -> int:
        return x * 3

    assert [f(1), f(1)] == [3, 3]
    assert cache_of(f).clear() is False
    assert cache_of(f).has(1) is False and cache_of(f).delete(1) is False
    s = cache_of(f).stats()
    assert (s["misses"], s["hits"], s["health"]) == (2, 0, "degraded")
    # every failed operation counts: per call a read, its re-check under the lock, a write;
    # then clear, has, delete
    assert s["backend_errors"] == 2 * 3 + 1 + 1 + 1
    assert MISS is not None


def test_a_backend_factory_that_fails_is_a_config_error_naming_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from cachelens import ConfigError, config

    def broken(config_entry: Any, context: Any) -> Any:
        raise KeyError("servers")

    real = config.store_factory
    monkeypatch.setattr(config, "store_factory", lambda kind, name: broken if kind == "lru" else real(kind, name))
    ran: list[int] = []

    @memoize(backend="lru")
    def f(x: int) -> int:
        ran.append(x)
        return x

    for _ in range(2):
        with pytest.raises(ConfigError, match='"lru" backend "lru" failed: KeyError'):
            f(1)
    assert ran == []


def test_memoize_takes_the_function_by_keyword_too() -> None:
    def g(x: int) -> int:
        return x + 1

    h = memoize(fn=g, ttl=1)
    assert h(1) == h(1) == 2 and cache_of(h).stats()["hits"] == 1
