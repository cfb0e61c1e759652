"""memoize and cache_of: keys by binding, counters exactly as docs/protocol.md 3.1 says, TTL on a
fake clock, exceptions not cached, options checked at once."""

from __future__ import annotations

import datetime
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cachelens import CacheKeyError, OptionsError, cache_of, memoize
from conftest import FakeClock

pytestmark = pytest.mark.usefixtures("call_path")  # the C and the Python hit paths


def test_positional_keyword_and_default_calls_of_one_binding_are_one_entry() -> None:
    calls: list[Any] = []

    @memoize
    def f(a: int, b: int = 2) -> int:
        calls.append((a, b))
        return a * b

    assert [f(1), f(a=1), f(1, 2), f(1, b=2), f(b=2, a=1)] == [2, 2, 2, 2, 2]
    assert calls == [(1, 2)]
    assert f(1, 3) == 3
    s = cache_of(f).stats()
    assert (s["hits"], s["misses"], s["entries"]) == (4, 2, 2)


def test_bare_and_called_decorator_forms_both_work() -> None:
    @memoize
    def a(x: int) -> int:
        return x

    @memoize()
    def b(x: int) -> int:
        return x

    assert a(1) == 1 and b(1) == 1
    assert a.__name__ == "a" and b.__wrapped__ is not None  # type: ignore[attr-defined]


def test_arguments_are_keyed_by_value_following_python_equality() -> None:
    calls: list[Any] = []

    @memoize
    def f(x: Any) -> Any:
        calls.append(x)
        return len(calls)

    assert f([1, {"a": 1, "b": 2}]) == f([1, {"b": 2, "a": 1}])
    assert f(1) == f(1.0) == f(True)
    assert f({1, 2}) == f(frozenset({2, 1}))
    assert f((1, 2)) != f([1, 2])
    assert f(float("nan")) == f(float("nan"))
    assert len(calls) == 6


def test_an_argument_that_cannot_be_keyed_raises_before_the_function_runs() -> None:
    ran: list[int] = []

    class Opaque:
        __hash__ = None  # type: ignore[assignment]

    @memoize
    def f(x: Any, payload: Any) -> int:
        ran.append(1)
        return 1

    with pytest.raises(CacheKeyError) as info:
        f(1, {"k": [Opaque()]})
    assert ran == []
    assert "payload" in str(info.value) and "Opaque" in str(info.value)
    assert info.value.parameter == "payload"
    assert cache_of(f).stats()["misses"] == 0


def test_an_argument_whose_own_hash_raises_is_refused_before_the_function_runs() -> None:
    # Its `__hash__` (or a datetime's tzinfo) raises something other than TypeError: the call
    # path's lookup and the key builder both meet it; the caller gets a CacheKeyError naming the
    # parameter, not the raw error.
    ran: list[int] = []

    class Hostile:
        def __hash__(self) -> int:
            raise RuntimeError("hash boom")

    @memoize
    def f(region: str, who: Any) -> int:
        ran.append(1)
        return 1

    class Zone(datetime.tzinfo):
        def utcoffset(self, when: Any) -> Any:
            raise RuntimeError("hash boom")  # a datetime's hash reads its offset

    for who in (Hostile(), Hostile(), datetime.datetime(2020, 1, 1, tzinfo=Zone())):
        with pytest.raises(CacheKeyError) as info:
            f("eu", who)
        assert info.value.parameter == "who" and "RuntimeError: hash boom" in str(info.value)
    assert ran == []
    assert cache_of(f).stats()["misses"] == 0


def test_a_recursive_function_goes_about_as_deep_memoized_as_under_lru_cache() -> None:
    # On a miss the call path calls the function itself: two frames a level (the wrapper's and
    # the function's), as functools.lru_cache costs. Through the memo's miss path and a compute
    # callback it was six: a recursion of 165 levels overflowed where the plain function went to
    # 997 and lru_cache to 498. (Leaves 200 frames of the limit to pytest.)
    depth = (sys.getrecursionlimit() - 200) // 2

    @memoize
    def down(n: int) -> int:
        return 0 if n == 0 else 1 + down(n - 1)

    class Walker:
        @memoize
        def down(self, n: int) -> int:
            return 0 if n == 0 else 1 + self.down(n - 1)

    assert down(depth) == depth
    assert cache_of(down).stats()["misses"] == depth + 1
    assert down(depth - 1) == depth - 1  # now a hit
    assert Walker().down(depth) == depth


def test_counters_and_saved_ms_follow_the_protocol_exactly(clock: FakeClock) -> None:
    @memoize(clock=clock)
    def price(item: str, ms: float) -> str:
        clock.advance(ms)
        return item.upper()

    price("a", 100)  # computed: 100 ms
    price("a", 100)  # hit at mean 100
    price("b", 300)  # computed: mean becomes (100 + 300) / 2 = 200
    price("a", 100)  # hit at mean 200
    price("b", 300)  # hit at mean 200
    s = cache_of(price).stats()
    assert (s["hits"], s["misses"], s["errors"], s["computed"]) == (3, 2, 0, 2)
    assert s["compute_ms"] == 400
    assert s["saved_ms"] == 100 + 200 + 200
    price("c", 10)  # the mean falls to 410 / 3; earlier hits keep their credit
    assert cache_of(price).stats()["saved_ms"] == 500


def test_exceptions_are_not_cached_and_count_as_errors(clock: FakeClock) -> None:
    attempts: list[int] = []

    @memoize(clock=clock)
    def flaky(x: int) -> int:
        clock.advance(50)
        attempts.append(x)
        if len(attempts) == 1:
            raise ValueError("first time fails")
        return x

    with pytest.raises(ValueError, match="first time fails"):
        flaky(1)
    assert flaky(1) == 1
    assert flaky(1) == 1
    s = cache_of(flaky).stats()
    assert (s["hits"], s["misses"], s["errors"], s["computed"], s["compute_ms"]) == (1, 2, 1, 2, 100)
    assert s["saved_ms"] == 50


def test_ttl_expires_on_the_given_clock_and_counts_expired_once(clock: FakeClock) -> None:
    calls: list[str] = []

    @memoize(ttl="30s", clock=clock)
    def f(x: str) -> str:
        calls.append(x)
        return x

    f("a")
    clock.advance(29_999)
    f("a")
    assert calls == ["a"]
    clock.advance(1)  # live while now < expires_at: expired at exactly 30 s
    s = cache_of(f).stats()
    assert (s["entries"], s["evictions"]["expired"]) == (0, 1)
    assert cache_of(f).stats()["evictions"]["expired"] == 1  # reading changes nothing
    f("a")
    assert calls == ["a", "a"]
    s = cache_of(f).stats()
    assert (s["hits"], s["misses"], s["entries"], s["evictions"]["expired"]) == (1, 2, 1, 1)


def test_ttl_in_seconds_and_zero_means_no_expiry(clock: FakeClock) -> None:
    @memoize(ttl=0.5, clock=clock)
    def half(x: int) -> int:
        return x

    @memoize(ttl=0, clock=clock)
    def forever(x: int) -> int:
        return x

    half(1), forever(1)
    clock.advance(500)
    clock.advance(10**9)
    half(1), forever(1)
    assert cache_of(half).stats()["misses"] == 2
    assert cache_of(forever).stats()["misses"] == 1


def test_max_bounds_entries_and_evicts_the_least_recently_used() -> None:
    @memoize(max=2)
    def f(x: int) -> int:
        return x

    f(1), f(2), f(1)  # 1 used after 2
    f(3)  # evicts 2
    assert cache_of(f).has(1) and cache_of(f).has(3) and not cache_of(f).has(2)
    s = cache_of(f).stats()
    assert (s["entries"], s["evictions"]["size"]) == (2, 1)


def test_cache_of_delete_has_and_clear() -> None:
    @memoize
    def f(a: int, b: int = 0) -> int:
        return a + b

    f(1), f(2)
    h = cache_of(f)
    assert h.has(1) and h.has(a=1, b=0)
    assert h.delete(a=1) is True
    assert h.delete(1) is False
    assert not h.has(1)
    assert h.clear() is True
    s = h.stats()
    assert (s["entries"], s["evictions"]["explicit"]) == (0, 2)
    with pytest.raises(OptionsError):
        h.delete(1, 2, 3)


def test_cache_of_refuses_a_function_memoize_did_not_make() -> None:
    with pytest.raises(OptionsError, match="memoize"):
        cache_of(len)


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"ttl": "5M"}, "ttl"),
        ({"ttl": -1}, "ttl"),
        ({"ttl": "36501d"}, "ttl"),
        ({"max": 0}, "max"),
        ({"max": 2**24 + 1}, "max"),
        ({"max": 1.5}, "max"),
        ({"id": ""}, "id"),
        ({"id": "x" * 4097}, "id"),
        ({"backend": 3}, "backend"),
        ({"clock": 5}, "clock"),
        ({"tll": 5}, "tll"),
    ],
)
def test_bad_options_raise_options_error_naming_the_option(options: dict[str, Any], option: str) -> None:
    with pytest.raises(OptionsError) as info:
        memoize(**options)(lambda x: x)
    assert info.value.option == option
    assert f"`{option}`" in str(info.value)


def test_max_infinity_is_unbounded() -> None:
    @memoize(max=math.inf)
    def f(x: int) -> int:
        return x

    for i in range(2000):
        f(i)
    assert cache_of(f).stats()["entries"] == 2000


def test_the_default_id_is_the_path_from_the_app_root_and_the_qualified_name() -> None:
    @memoize
    def local(x: int) -> int:
        return x

    # tests/ lives in python/, whose pyproject.toml makes python/ the app root
    assert cache_of(local).id == "tests/test_memoize.py#test_the_default_id_is_the_path_from_the_app_root_and_the_qualified_name.<locals>.local"


def test_dataclass_arguments_are_keyed_by_their_fields() -> None:
    @dataclass
    class Query:  # unhashable (eq without frozen)
        region: str
        limit: int = 10

    calls: list[Query] = []

    @memoize
    def run(q: Query) -> int:
        calls.append(q)
        return q.limit

    assert run(Query("eu")) == run(Query("eu", 10)) == 10
    assert len(calls) == 1


def test_the_c_hit_path_is_used_where_it_was_built(call_path: str, speedups_built: bool) -> None:
    @memoize
    def one(x: int) -> int:
        return x

    @memoize
    def keyword_only(*, x: int) -> int:
        return x

    in_c = call_path == "c-hit-path" and speedups_built
    assert (type(one).__name__ == "HitPath") is in_c
    assert type(keyword_only).__name__ == "function"  # only plain positional calls have a C path
    assert one(1) == one(1) == one(x=1) == 1
    assert cache_of(one).stats()["hits"] == 2


def picklable(x: int) -> int:
    return x


def test_a_memoized_function_pickles_by_reference_like_a_function() -> None:
    import pickle

    original = globals()["picklable"]
    memoized = memoize(original)
    globals()["picklable"] = memoized
    try:
        assert pickle.loads(pickle.dumps(memoized)) is memoized
    finally:
        globals()["picklable"] = original


def test_reading_stats_while_threads_hit_counts_every_hit() -> None:
    import threading

    @memoize
    def f(x: int) -> int:
        return x

    f(1)
    threads = [threading.Thread(target=lambda: [f(1) for _ in range(5000)]) for _ in range(4)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        cache_of(f).stats()
    for t in threads:
        t.join(30)
    assert cache_of(f).stats()["hits"] == 20_000


def test_a_function_decorated_by_another_wrapper_is_called_with_its_own_signature() -> None:
    import functools

    def with_connection(fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn("db", *args, **kwargs)

        return wrapper

    @memoize
    @with_connection
    def query(conn: str, sql: str) -> str:
        return f"{conn}:{sql}"

    assert query("select 1") == query("select 1") == "db:select 1"
    assert cache_of(query).has("select 1")


def test_the_app_root_is_the_nearest_folder_with_a_marker_else_the_working_directory(no_config: Path) -> None:
    import importlib.util

    def load(path: Path) -> Any:
        spec = importlib.util.spec_from_file_location(f"m_{abs(hash(str(path)))}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    source = "from cachelens import memoize\n@memoize\ndef prices(region):\n    return region\n"
    (no_config / "app" / "sub").mkdir(parents=True)
    (no_config / "app" / "sub" / "prices.py").write_text(source)
    assert cache_of(load(no_config / "app" / "sub" / "prices.py").prices).id == "app/sub/prices.py#prices"
    (no_config / "svc" / "pkg").mkdir(parents=True)
    (no_config / "svc" / "requirements.txt").write_text("")
    (no_config / "svc" / "pkg" / "prices.py").write_text(source)
    module = load(no_config / "svc" / "pkg" / "prices.py")
    assert cache_of(module.prices).id == "pkg/prices.py#prices"
    from cachelens import registry

    location = registry.find("pkg/prices.py#prices").descriptor()["location"]  # type: ignore[union-attr]
    assert location == {"file": "svc/pkg/prices.py", "line": 2}


def test_generator_functions_are_refused_with_what_to_do() -> None:
    def rows(n: int) -> Any:
        yield from range(n)

    async def stream(n: int) -> Any:
        yield n

    for fn in (rows, stream):
        with pytest.raises(OptionsError, match="generator function.*returns a list"):
            memoize(fn)


def test_hits_leave_no_reference_behind() -> None:
    import sys

    class Value:
        pass

    key, value = "k" * 20, Value()

    @memoize
    def f(k: str) -> Value:
        return value

    @memoize(ttl=60)
    def g(k: str) -> Value:
        return value

    for fn in (f, g):
        fn(key)
        before = (sys.getrefcount(key), sys.getrefcount(value))
        for _ in range(1000):
            assert fn(key) is value
        assert (sys.getrefcount(key), sys.getrefcount(value)) == before
    assert "memoized function" in repr(f) or repr(f).startswith("<function")
