"""The backends through `@memoize` and `cachelens.config.json`: each caches, counts, clears and
fails open as the function's statistics show."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cachelens import cache_of, config, memoize


KINDS = ["lru", "disk", "redis", "memcached", "tiered"]


def write_config(folder: Path, entry: dict[str, Any]) -> None:
    (folder / "cachelens.config.json").write_text(json.dumps({"backends": {"chosen": entry}}))
    config.reload_config()


def configure(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    kind = request.param
    prefix = f"m{time.monotonic_ns()}:"
    if kind == "lru":
        value: dict[str, Any] = {"type": "lru", "max": 50}
    elif kind == "disk":
        value = {"type": "disk", "path": "cache"}
    elif kind == "memcached":
        value = {"type": "memcached", "servers": request.getfixturevalue("memcached_server").address, "keyPrefix": prefix}
    else:
        value = {"type": kind, "url": "${TEST_REDIS_URL}", "keyPrefix": prefix}
        request.getfixturevalue("monkeypatch").setenv("TEST_REDIS_URL", request.getfixturevalue("redis_server").url)
    write_config(tmp_path, value)
    return value


@pytest.fixture(params=KINDS)
def entry(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    return configure(request, tmp_path)


@pytest.fixture(params=[k for k in KINDS if k != "lru"])
def shared_entry(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """The backends that serialize results."""
    return configure(request, tmp_path)


def test_a_memoized_function_is_cached_by_the_named_backend(entry: dict[str, Any]) -> None:
    calls: list[str] = []

    @memoize(backend="chosen", ttl=60, id=f"tests/backends.py#prices_{entry['type']}")
    def prices(region: str, currency: str = "EUR") -> dict[str, Any]:
        calls.append(region)
        return {"region": region, "rows": (1, 2, 3), "currency": currency}

    assert prices("eu") == {"region": "eu", "rows": (1, 2, 3), "currency": "EUR"}
    assert prices("eu") == prices(region="eu", currency="EUR")
    assert calls == ["eu"]
    stats = cache_of(prices).stats()
    assert stats["hits"] == 2 and stats["misses"] >= 1
    assert stats["health"] == "ok" and stats["backend_errors"] == 0
    assert cache_of(prices).has("eu")
    assert cache_of(prices).delete("eu") is True
    assert prices("eu")["region"] == "eu"
    assert calls == ["eu", "eu"]
    assert cache_of(prices).clear() is True
    prices("eu")
    assert calls == ["eu", "eu", "eu"]


def test_a_result_that_cannot_be_stored_is_returned_uncached_and_counted(shared_entry: dict[str, Any]) -> None:
    entry = shared_entry
    calls = 0

    @memoize(backend="chosen", id=f"tests/backends.py#lock_{entry['type']}")
    def make_lock(name: str) -> Any:
        nonlocal calls
        calls += 1
        return threading.Lock()

    first = make_lock("a")
    second = make_lock("a")
    assert first is not second and calls == 2
    assert cache_of(make_lock).stats()["backend_errors"] == 2


def test_a_server_that_is_not_there_leaves_the_function_working_and_degraded(tmp_path: Path) -> None:
    from servers import free_port

    write_config(tmp_path, {"type": "redis", "url": f"redis://127.0.0.1:{free_port()}/0"})
    calls = 0

    @memoize(backend="chosen", id="tests/backends.py#down")
    def square(n: int) -> int:
        nonlocal calls
        calls += 1
        return n * n

    assert [square(3) for _ in range(8)] == [9] * 8
    assert calls == 8
    stats = cache_of(square).stats()
    assert stats["health"] == "degraded"
    assert stats["backend_errors"] == 5


def test_an_unsupported_field_stops_the_function_with_a_config_error(tmp_path: Path) -> None:
    from cachelens.errors import ConfigError

    write_config(tmp_path, {"type": "redis", "cluster": ["127.0.0.1:7000"]})
    calls = 0

    @memoize(backend="chosen", id="tests/backends.py#cluster")
    def f(n: int) -> int:
        nonlocal calls
        calls += 1
        return n

    for _ in range(2):
        with pytest.raises(ConfigError, match="cluster.*not supported by the Python runtime"):
            f(1)
    assert calls == 0


def test_an_lru_backend_keeps_its_byte_bound(tmp_path: Path) -> None:
    write_config(tmp_path, {"type": "lru", "max": 1000, "maxBytes": "64KB"})

    @memoize(backend="chosen", id="tests/backends.py#blob")
    def blob(n: int) -> bytes:
        return bytes(10_000)

    for n in range(20):
        blob(n)
    stats = cache_of(blob).stats()
    assert stats["bytes"] <= 64 * 1024
    assert stats["evictions"]["size"] > 0
    assert stats["entries"] + stats["evictions"]["size"] == 20


def test_an_lru_backend_refuses_an_unbounded_max(tmp_path: Path) -> None:
    from cachelens.errors import ConfigError

    write_config(tmp_path, {"type": "lru"})

    @memoize(backend="chosen", max=float("inf"), id="tests/backends.py#unbounded")
    def f(n: int) -> int:
        return n

    with pytest.raises(ConfigError, match=r'\bmax\b.*"lru"'):
        f(1)
