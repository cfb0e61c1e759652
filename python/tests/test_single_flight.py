"""Concurrent calls with one key share one computation: threads for `def`, tasks for `async def`.
A joining call is a hit when it joins; an exception reaches every joined call and is not cached."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest

from cachelens import cache_of, memoize
from conftest import FakeClock

pytestmark = pytest.mark.usefixtures("call_path")  # the C and the Python hit paths


def run_threads(count: int, target: Any) -> list[Any]:
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            results[i] = target()
        except BaseException as exc:  # noqa: BLE001 - the test compares outcomes
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def wait_for_hits(fn: Any, hits: int) -> None:
    """Joining calls count as hits when they join: wait (at most 30 s) until `hits` have."""
    for _ in range(3000):
        if cache_of(fn).stats()["hits"] == hits:
            return
        threading.Event().wait(0.01)
    raise AssertionError(f"{hits} calls did not join within 30 s")


def test_threads_share_one_computation(clock: FakeClock) -> None:
    entered = threading.Event()
    release = threading.Event()
    computations: list[int] = []

    @memoize(clock=clock)
    def slow(x: int) -> int:
        computations.append(x)
        entered.set()
        assert release.wait(30)
        clock.advance(40)
        return x * 2

    leader = threading.Thread(target=slow, args=(21,))
    leader.start()
    assert entered.wait(30)

    def joiner() -> int:
        return slow(21)

    joined: list[Any] = []
    waiting = threading.Thread(target=lambda: joined.extend(run_threads(7, joiner)))
    waiting.start()
    wait_for_hits(slow, 7)
    release.set()
    leader.join(30)
    waiting.join(30)
    assert joined == [42] * 7 and computations == [21]
    s = cache_of(slow).stats()
    # joined before the first computation completed: credited at 0 ms
    assert (s["hits"], s["misses"], s["computed"], s["compute_ms"], s["saved_ms"]) == (7, 1, 1, 40, 0)


def test_an_exception_reaches_every_joined_thread_once_and_is_not_cached() -> None:
    entered = threading.Event()
    release = threading.Event()
    attempts: list[int] = []

    @memoize
    def failing(x: int) -> int:
        attempts.append(x)
        if len(attempts) == 1:
            entered.set()
            assert release.wait(30)
            raise RuntimeError("backend down")
        return x

    outcomes: list[Any] = []
    leader = threading.Thread(target=lambda: outcomes.extend(run_threads(1, lambda: failing(1))))
    leader.start()
    assert entered.wait(30)
    joiners = threading.Thread(target=lambda: outcomes.extend(run_threads(3, lambda: failing(1))))
    joiners.start()
    wait_for_hits(failing, 3)
    release.set()
    leader.join(30)
    joiners.join(30)
    assert len(outcomes) == 4 and all(isinstance(o, RuntimeError) for o in outcomes)
    assert failing(1) == 1  # retried, not cached
    s = cache_of(failing).stats()
    assert (s["hits"], s["misses"], s["errors"]) == (3, 2, 1)


def test_a_recursive_call_with_its_own_key_does_not_wait_for_itself() -> None:
    depth: list[int] = []

    @memoize
    def again(x: int) -> int:
        depth.append(x)
        if len(depth) == 1:
            return again(x) + 1  # same key, same thread: computed apart instead of joining
        return x

    assert again(1) == 2
    assert cache_of(again).stats()["misses"] == 2


def test_hits_are_counted_exactly_under_many_threads() -> None:
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:

        @memoize
        def f(x: Any) -> Any:
            return x

        f("a"), f(1)
        run_threads(8, lambda: [(f("a"), f(1)) for _ in range(20_000)])
        s = cache_of(f).stats()
        assert (s["hits"], s["misses"]) == (8 * 20_000 * 2, 2)
    finally:
        sys.setswitchinterval(switch)


def test_async_tasks_share_one_computation(clock: FakeClock) -> None:
    computations: list[int] = []

    @memoize(clock=clock)
    async def load(x: int) -> int:
        computations.append(x)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        clock.advance(25)
        return x + 1

    async def main() -> list[int]:
        first = await asyncio.gather(*(load(1) for _ in range(5)))
        second = await load(1)
        return [*first, second]

    assert asyncio.run(main()) == [2] * 6
    assert computations == [1]
    s = cache_of(load).stats()
    assert (s["hits"], s["misses"], s["compute_ms"], s["saved_ms"]) == (5, 1, 25, 25)


def test_async_exceptions_reach_every_joined_task_and_are_not_cached() -> None:
    attempts: list[int] = []

    @memoize
    async def flaky(x: int) -> int:
        attempts.append(x)
        await asyncio.sleep(0)
        if len(attempts) == 1:
            raise ValueError("no")
        return x

    async def main() -> list[Any]:
        outcomes = await asyncio.gather(*(flaky(1) for _ in range(3)), return_exceptions=True)
        return [*outcomes, await flaky(1)]

    outcomes = asyncio.run(main())
    assert [type(o) for o in outcomes[:3]] == [ValueError] * 3 and outcomes[3] == 1
    s = cache_of(flaky).stats()
    assert (s["hits"], s["misses"], s["errors"]) == (2, 2, 1)


def test_a_cancelled_computation_lets_joined_tasks_try_again() -> None:
    calls: list[int] = []

    @memoize
    async def slow(x: int) -> int:
        calls.append(x)
        await asyncio.sleep(0 if len(calls) > 1 else 10)
        return x

    async def main() -> int:
        leader = asyncio.ensure_future(slow(1))
        await asyncio.sleep(0)
        joiner = asyncio.ensure_future(slow(1))
        await asyncio.sleep(0)
        leader.cancel()
        with pytest.raises(asyncio.CancelledError):
            await leader
        return await asyncio.wait_for(joiner, 30)

    assert asyncio.run(main()) == 1
    assert calls == [1, 1]


def test_the_async_wrapper_is_a_coroutine_function() -> None:
    import inspect

    @memoize
    async def f(x: int) -> int:
        return x

    assert inspect.iscoroutinefunction(f)
