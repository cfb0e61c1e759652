"""watch() on a Flask-Caching Cache: one row per @cache.memoize / @cache.cached function."""

from __future__ import annotations

import warnings
from typing import Any, Iterator

import pytest
from flask import Flask
from flask_caching import Cache

import cachelens
from cachelens.watch import WatchError
from cachelens import registry
from watch_support import new_rows

HERE = "tests/test_watch_flask_caching.py"


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield from new_rows()


def figures(source_id: str) -> tuple[int, int, int]:
    source = registry.find(source_id)
    assert source is not None, [s.id for s in registry.sources()]
    s = source.snapshot()
    return s["hits"], s["misses"], s["errors"]


def make_app() -> tuple[Flask, Cache, list[str], Any]:
    app = Flask(__name__)
    cache = cachelens.watch(Cache(app, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 50}))
    computed: list[str] = []

    @cache.memoize(timeout=60)
    def sales_by_region(year: int, product: str = "all") -> dict[str, Any]:
        computed.append(f"{year}/{product}")
        return {"year": year, "product": product}

    @cache.memoize()
    def failing(x: int) -> int:
        raise ValueError(x)

    @app.get("/by-region/<int:year>")
    def by_region(year: int) -> Any:
        return sales_by_region(year)

    @app.get("/top")
    @cache.cached(timeout=30, query_string=True)
    def top() -> Any:
        computed.append("top")
        return {"top": 1}

    @app.get("/fail/<int:x>")
    def fail(x: int) -> Any:
        try:
            return {"v": failing(x)}
        except ValueError:
            return {"error": True}, 500

    return app, cache, computed, sales_by_region


def test_each_decorated_function_is_a_row_counted_through_a_test_client() -> None:
    app, cache, computed, _ = make_app()
    client = app.test_client()
    for path in ["/by-region/2024", "/by-region/2024", "/by-region/2023", "/by-region/2024",
                 "/top?y=1", "/top?y=1", "/top?y=2", "/fail/1", "/fail/1"]:
        client.get(path)
    assert computed == ["2024/all", "2023/all", "top", "top"]
    memoized = f"{HERE}#make_app.<locals>.sales_by_region"
    assert figures(memoized) == (2, 2, 0)
    assert figures(f"{HERE}#make_app.<locals>.top") == (1, 2, 0)
    assert figures(f"{HERE}#make_app.<locals>.failing") == (0, 2, 2)  # exceptions are not cached
    d = registry.find(memoized).descriptor()
    assert d["backendType"] == "flask-caching:SimpleCache"
    assert d["options"] == {"decorator": "memoize", "timeout": 60, "ttl": 60}
    assert d["location"]["file"].endswith(HERE)  # relative to the working directory, or absolute
    snapshot = registry.find(memoized).snapshot()
    assert snapshot["computed"] == 2 and snapshot["computeMs"] > 0 and snapshot["savedMs"] > 0
    default_timeout = registry.find(f"{HERE}#make_app.<locals>.failing").descriptor()["options"]
    assert default_timeout == {"decorator": "memoize", "timeout": None, "ttl": 50}


def test_positional_and_keyword_calls_of_one_binding_are_one_entry_and_count_as_hits() -> None:
    app, cache, computed, sales_by_region = make_app()
    with app.test_request_context():
        sales_by_region(2024), sales_by_region(year=2024), sales_by_region(2024, "all")
    assert computed == ["2024/all"]
    assert figures(f"{HERE}#make_app.<locals>.sales_by_region") == (2, 1, 0)


def test_the_panels_clear_forgets_a_memoized_functions_entries() -> None:
    app, cache, computed, _ = make_app()
    client = app.test_client()
    client.get("/by-region/2024")
    memoized = registry.find(f"{HERE}#make_app.<locals>.sales_by_region")
    assert memoized.clear() is True  # outside any request or app context
    client.get("/by-region/2024")
    assert computed == ["2024/all", "2024/all"]
    assert registry.find(f"{HERE}#make_app.<locals>.top").clear() is False  # keys depend on the request


def test_the_decorated_functions_keep_flask_cachings_attributes() -> None:
    app, cache, _, _ = make_app()
    view = app.view_functions["top"]
    assert view.__name__ == "top"
    assert callable(view.uncached) and callable(view.make_cache_key)
    assert view.cache_timeout == 30


def test_watching_late_warns_once_naming_the_functions_it_cannot_see() -> None:
    app = Flask(__name__)
    cache = Cache(app, config={"CACHE_TYPE": "SimpleCache"})

    @cache.memoize(timeout=5)
    def early(x: int) -> int:
        return x

    @app.get("/early")
    @cache.cached(timeout=5)
    def early_view() -> str:
        return "x"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cachelens.watch(cache) is cache
        cachelens.watch(cache)  # a second watch: no second warning
    assert len(caught) == 1
    message = str(caught[0].message)
    assert caught[0].filename == __file__
    assert f"{HERE}#test_watching_late_warns_once_naming_the_functions_it_cannot_see.<locals>.early_view" in message
    assert "cache = cachelens.watch(Cache(...))" in message

    @cache.memoize(timeout=5)
    def later(x: int) -> int:
        return x

    with app.test_request_context():
        later(1), later(1)
    assert figures(f"{HERE}#test_watching_late_warns_once_naming_the_functions_it_cannot_see.<locals>.later") == (1, 1, 0)


def test_memoize_without_parentheses_is_a_clear_error() -> None:
    cache = cachelens.watch(Cache(config={"CACHE_TYPE": "SimpleCache"}))
    with pytest.raises(WatchError, match=r"@cache.memoize\(\)"):

        @cache.memoize
        def f(x: int) -> int:
            return x
