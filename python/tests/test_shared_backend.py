"""A shared backend (a store with `shared = True`) gets stable text keys, built from the bound
arguments only (not the instance of a method), and arguments keyed by identity are refused before
the function runs. The store module is loaded by type, lazily: `cachelens.stores.<type>.create`."""

from __future__ import annotations

import asyncio
import sys
import types
from pathlib import Path
from typing import Any, Hashable, Mapping

import pytest

from cachelens import CacheKeyError, cache_of, memoize
from cachelens.config import reload_config
from cachelens.stores.base import MISS, StoreContext

pytestmark = pytest.mark.usefixtures("call_path")  # the C and the Python hit paths


class SharedStore:
    """A store as another process would see it: keys must be text."""

    kind = "memcached"
    shared = True
    made: list["SharedStore"] = []

    def __init__(self, config: Mapping[str, Any], context: StoreContext) -> None:
        self.config = dict(config)
        self.context = context
        self.data: dict[str, Any] = {}
        SharedStore.made.append(self)

    def get(self, key: Hashable) -> Any:
        assert isinstance(key, str)
        return self.data.get(key, MISS)

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        assert isinstance(key, str)
        self.data[key] = value

    def delete(self, key: Hashable) -> bool:
        return self.data.pop(key, MISS) is not MISS  # type: ignore[arg-type]

    def clear(self) -> bool:
        self.data.clear()
        return True

    def entries(self) -> int:
        return len(self.data)

    def bytes(self) -> int:
        return 0

    def health(self) -> str:
        return "ok"

    def close(self) -> None:
        pass


@pytest.fixture
def shared_type(monkeypatch: pytest.MonkeyPatch, no_config: Path) -> type[SharedStore]:
    module = types.ModuleType("cachelens.stores.memcached")
    module.create = SharedStore  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cachelens.stores.memcached", module)
    (no_config / "cachelens.config.json").write_text(
        '{"backends": {"mc": {"type": "memcached", "servers": "${MC:-127.0.0.1:11211}"}}}'
    )
    reload_config()
    SharedStore.made = []
    return SharedStore


def test_the_store_gets_its_config_entry_and_text_keys(shared_type: type[SharedStore]) -> None:
    @memoize(backend="mc", id="app/p.py#prices", ttl="1m")
    def prices(region: str, limit: int = 10) -> list[str]:
        return [region] * 2

    assert prices("eu") == prices(region="eu", limit=10) == ["eu", "eu"]
    store = shared_type.made[-1]
    assert store.config == {"type": "memcached", "servers": "127.0.0.1:11211"}
    assert store.context.namespace == "app/p.py#prices"
    assert list(store.data) == ['"eu",10']
    s = cache_of(prices).stats()
    assert (s["hits"], s["misses"], s["entries"]) == (1, 1, 1)
    assert cache_of(prices).has("eu") and cache_of(prices).delete("eu") and not cache_of(prices).has("eu")


def test_arguments_keyed_by_identity_are_refused_before_the_function_runs(shared_type: type[SharedStore]) -> None:
    ran: list[int] = []

    @memoize(backend="mc")
    def f(conn: object) -> int:
        ran.append(1)
        return 1

    with pytest.raises(CacheKeyError, match="conn.*identity"):
        f(object())
    assert ran == []


def test_a_method_on_a_shared_backend_is_keyed_by_its_arguments_only(shared_type: type[SharedStore]) -> None:
    class Repo:
        @memoize(backend="mc")
        def find(self, key: str) -> str:
            return key.upper()

        @memoize(backend="mc")
        async def load(self, key: str) -> str:
            await asyncio.sleep(0)
            return key * 2

    a, b = Repo(), Repo()
    assert a.find("x") == b.find("x") == "X"
    assert cache_of(Repo.find).stats()["hits"] == 1  # shared by the instances, as in other processes

    async def both() -> list[str]:
        return [await a.load("y"), await b.load("y")]

    assert asyncio.run(both()) == ["yy", "yy"]
    assert cache_of(Repo.load).stats()["hits"] == 1


def test_the_printed_key_deletes_an_entry(shared_type: type[SharedStore]) -> None:
    from cachelens import registry

    @memoize(backend="mc", id="app/p.py#g")
    def g(x: int) -> int:
        return x

    g(5)
    source = registry.find("app/p.py#g")
    assert source is not None and source.delete_key("5") is True and source.delete_key("5") is False
