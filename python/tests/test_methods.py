"""Methods: cached per instance, the instance held weakly; static and class methods in either
decorator order; a clear error for instances that cannot be held weakly."""

from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass

import pytest

from cachelens import CacheKeyError, cache_of, memoize

# Not run twice (see conftest.call_path): the classes below are made once, at import, and their
# counters are cumulative across the tests.


class Repo:
    def __init__(self, name: str) -> None:
        self.name = name
        self.loads = 0

    @memoize(ttl="5m")
    def find(self, key: str) -> str:
        self.loads += 1
        return f"{self.name}:{key}"

    @staticmethod
    @memoize
    def normalize(key: str) -> str:
        return key.lower()

    @memoize
    @staticmethod
    def normalize_too(key: str) -> str:
        return key.upper()

    @classmethod
    @memoize
    def kind(cls, suffix: str) -> str:
        return cls.__name__ + suffix

    @memoize
    @classmethod
    def kind_too(cls, suffix: str) -> str:
        return suffix + cls.__name__


class SubRepo(Repo):
    pass


def test_each_instance_has_its_own_entries() -> None:
    a, b = Repo("a"), Repo("b")
    assert [a.find("k"), a.find(key="k"), b.find("k")] == ["a:k", "a:k", "b:k"]
    assert (a.loads, b.loads) == (1, 1)
    s = cache_of(Repo.find).stats()
    assert (s["hits"], s["misses"], s["entries"]) == (1, 2, 2)
    assert cache_of(a.find).has("k") and cache_of(a.find).delete("k") and not cache_of(a.find).has("k")
    assert cache_of(b.find).has("k")
    assert cache_of(Repo.find).has(b, "k")
    assert cache_of(Repo.find).clear() is True and not cache_of(b.find).has("k")


def test_instances_are_not_kept_alive_and_their_entries_go_with_them() -> None:
    repo = Repo("gone")
    repo.find("k")
    ref = weakref.ref(repo)
    before = cache_of(Repo.find).stats()["entries"]
    del repo
    gc.collect()
    assert ref() is None
    assert cache_of(Repo.find).stats()["entries"] == before - 1


def test_unhashable_dataclass_instances_work() -> None:
    @dataclass
    class Account:  # eq without frozen: unhashable
        owner: str

        @memoize
        def balance(self, currency: str) -> str:
            return f"{self.owner}:{currency}"

    a, b = Account("x"), Account("x")
    assert a.balance("eur") == b.balance("eur") == "x:eur"
    assert cache_of(Account.balance).stats()["misses"] == 2  # per instance, though equal


def test_slots_without_weakref_give_a_clear_error() -> None:
    class Tight:
        __slots__ = ("v",)

        def __init__(self) -> None:
            self.v = 1

        @memoize
        def get(self) -> int:
            return self.v

    with pytest.raises(CacheKeyError, match="__weakref__"):
        Tight().get()


def test_static_and_class_methods_in_either_order() -> None:
    assert Repo.normalize("AB") == Repo("r").normalize("AB") == "ab"
    assert Repo.normalize_too("ab") == "AB"
    assert cache_of(Repo.normalize).stats()["hits"] == 1
    assert Repo.kind("!") == "Repo!" and SubRepo.kind("!") == "SubRepo!" and Repo.kind("!") == "Repo!"
    assert Repo.kind_too("?") == "?Repo" and Repo("r").kind_too("?") == "?Repo"
    s = cache_of(Repo.kind).stats()
    assert (s["hits"], s["misses"]) == (1, 2)  # the class is part of the key
    assert cache_of(Repo.kind).has("!")
    assert cache_of(Repo.kind_too).stats()["hits"] == 1


def test_method_ids_name_the_class() -> None:
    assert cache_of(Repo.find).id.endswith("tests/test_methods.py#Repo.find")


def test_async_methods_are_cached_per_instance() -> None:
    import asyncio

    class Client:
        def __init__(self, name: str) -> None:
            self.name = name

        @memoize
        async def get(self, path: str) -> str:
            await asyncio.sleep(0)
            return f"{self.name}{path}"

    a, b = Client("a"), Client("b")

    async def run() -> list[str]:
        first = await asyncio.gather(a.get("/x"), a.get("/x"), b.get("/x"))
        return [*first, await a.get(path="/x")]

    assert asyncio.run(run()) == ["a/x", "a/x", "b/x", "a/x"]
    s = cache_of(Client.get).stats()
    assert (s["hits"], s["misses"], s["entries"]) == (2, 2, 2)


def test_every_method_is_registered_when_its_class_is_made() -> None:
    from cachelens import registry

    class Late:
        @memoize(id="t#Late.find")
        def find(self, key: str) -> str:
            return key

        @staticmethod
        @memoize(id="t#Late.static")
        def static(key: str) -> str:
            return key

        @memoize(id="t#Late.this")
        def this_style(this, key: str) -> str:  # noqa: N805 - a first parameter not named self
            return key

    assert registry.find("t#Late.find") is not None and registry.find("t#Late.static") is not None
    a, b = Late(), Late()
    assert a.this_style("k") == b.this_style("k") == "k"
    s = cache_of(Late.this_style).stats()
    assert (s["misses"], s["entries"]) == (2, 2)  # per instance although the guess was "plain"


def test_a_method_entry_expires_on_the_clock_and_counts_once() -> None:
    from conftest import FakeClock

    clock = FakeClock()

    class Rates:
        @memoize(ttl="10s", clock=clock)
        def rate(self, currency: str) -> str:
            return currency

    r = Rates()
    r.rate("eur"), r.rate("eur")
    clock.advance(10_000)
    r.rate("eur"), r.rate("eur")
    s = cache_of(Rates.rate).stats()
    assert (s["hits"], s["misses"], s["entries"], s["evictions"]["expired"]) == (2, 2, 1, 1)
