"""watch() on functools.lru_cache / functools.cache: figures from cache_info(), totals that never
decrease across cache_clear()."""

from __future__ import annotations

import functools
from typing import Any, Iterator

import pytest

import cachelens
from cachelens import registry
from cachelens.watch import WatchError
from watch_support import new_rows


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield from new_rows()


def row(fn: Any) -> Any:
    source = registry.find(f"tests/test_watch_lru_cache.py#{fn.__qualname__}")
    assert source is not None, [s.id for s in registry.sources()]
    return source


def counts(snapshot: dict[str, Any]) -> tuple[int, int, int, dict[str, int]]:
    return snapshot["hits"], snapshot["misses"], snapshot["entries"], snapshot["evictions"]


def test_reports_hits_misses_and_entries_of_an_lru_cache() -> None:
    @functools.lru_cache(maxsize=2)
    def double(x: int) -> int:
        return 2 * x

    assert cachelens.watch(double) is double
    for x in (1, 1, 2, 1, 3):  # 3 evicts 2
        double(x)
    source = row(double)
    assert counts(source.snapshot()) == (2, 3, 2, {"size": 1, "expired": 0, "explicit": 0})
    d = source.descriptor()
    assert d["id"] == "tests/test_watch_lru_cache.py#test_reports_hits_misses_and_entries_of_an_lru_cache.<locals>.double"
    assert d["backendType"] == "lru_cache"
    assert d["options"] == {"maxsize": 2, "typed": False}
    assert d["location"]["file"].endswith("tests/test_watch_lru_cache.py")  # relative to the working directory, or absolute


def test_cache_clear_keeps_the_totals_and_counts_the_entries_as_explicit() -> None:
    @functools.cache
    def square(x: int) -> int:
        return x * x

    cachelens.watch(square)
    square(1), square(1), square(2)
    source = row(square)
    assert counts(source.snapshot()) == (1, 2, 2, {"size": 0, "expired": 0, "explicit": 0})
    square.cache_clear()
    assert counts(source.snapshot()) == (1, 2, 0, {"size": 0, "expired": 0, "explicit": 2})
    square(1), square(1)
    assert counts(source.snapshot()) == (2, 3, 1, {"size": 0, "expired": 0, "explicit": 2})
    assert source.descriptor()["options"] == {"maxsize": None, "typed": False}


def test_a_clear_through_a_reference_taken_before_watch_is_a_reset_not_a_decrease() -> None:
    @functools.lru_cache(maxsize=None)
    def ident(x: int) -> int:
        return x

    clear_before_watch = ident.cache_clear
    cachelens.watch(ident)
    for x in (1, 1, 1, 2):
        ident(x)
    source = row(ident)
    assert counts(source.snapshot())[:2] == (2, 2)
    clear_before_watch()  # the library zeroes its counters behind the watcher's back
    ident(5)
    first = source.snapshot()
    assert (first["hits"], first["misses"]) == (2, 3)
    assert first["evictions"]["explicit"] == 2


def test_the_panels_clear_empties_the_cache() -> None:
    @functools.lru_cache(maxsize=None)
    def ident(x: int) -> int:
        return x

    cachelens.watch(ident)
    ident(1), ident(2)
    assert row(ident).clear() is True
    assert ident.cache_info().currsize == 0
    assert row(ident).snapshot()["evictions"]["explicit"] == 2
    assert row(ident).delete_key("1") is None


def test_watching_twice_keeps_one_row_and_one_base() -> None:
    @functools.lru_cache(maxsize=None)
    def ident(x: int) -> int:
        return x

    cachelens.watch(ident)
    cachelens.watch(ident)
    ident(1), ident(1)
    ident.cache_clear()
    ids = [s.id for s in registry.sources() if s.id.endswith("ident")]
    assert len(ids) == 1
    assert counts(row(ident).snapshot())[:2] == (1, 1)


def test_an_explicit_id_names_the_row_and_renames_a_watched_one() -> None:
    @functools.lru_cache(maxsize=None)
    def ident(x: int) -> int:
        return x

    cachelens.watch(ident)
    ident(1), ident(1)
    cachelens.watch(ident, id="app/custom.py#ident")
    assert [s.id for s in registry.sources() if s.id.endswith("ident")] == ["app/custom.py#ident"]
    assert counts(registry.find("app/custom.py#ident").snapshot())[:2] == (1, 1)


def test_methods_static_and_class_methods_are_watched_through_their_function() -> None:
    class Prices:
        @staticmethod
        @functools.lru_cache(maxsize=None)
        def vat(rate: int) -> float:
            return rate / 100

    cachelens.watch(Prices.__dict__["vat"])
    Prices.vat(20), Prices.vat(20)
    assert counts(row(Prices.vat).snapshot())[:2] == (1, 1)


@pytest.mark.parametrize("bad", [42, "text", lambda x: x, object()])
def test_something_that_is_not_a_cache_is_a_clear_error(bad: Any) -> None:
    with pytest.raises(WatchError, match="cannot watch .*lru_cache.*memoize"):
        cachelens.watch(bad)


def test_a_bad_id_is_a_clear_error() -> None:
    @functools.lru_cache(maxsize=None)
    def ident(x: int) -> int:
        return x

    with pytest.raises(WatchError, match="id must be a non-empty string"):
        cachelens.watch(ident, id="  ")


def test_watching_adds_nothing_to_the_call_path() -> None:
    @functools.lru_cache(maxsize=None)
    def ident(x: int) -> int:
        return x

    cachelens.watch(ident)
    assert isinstance(ident, functools._lru_cache_wrapper)  # the C wrapper itself, unwrapped


def test_cachetools_func_decorators_are_read_through_their_cache_info_too() -> None:
    import cachetools.func

    @cachetools.func.ttl_cache(maxsize=4, ttl=60)
    def rate(currency: str) -> float:
        return 1.0

    cachelens.watch(rate)
    rate("eur"), rate("eur"), rate("usd")
    rate.cache_clear()
    rate("eur")
    assert counts(row(rate).snapshot())[:3] == (1, 3, 1)
    assert row(rate).descriptor()["backendType"] == "cachetools.func"
    assert row(rate).descriptor()["options"] == {"maxsize": 4, "typed": False, "ttl": 60}
