"""The `verify` option: a share of hits re-runs the function off the caller's path and compares the
result with the cached value by structure. An impure function is caught, a pure one is not; one
check at a time; never while the key is being computed; `def` and `async def`; a re-run that
raises is `failed`, never raised; a caller's mutation of the cached value is `mutated`; values
redacted unless asked; the environment variables; the stats entry of the live protocol."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import threading
import warnings
from typing import Any, Iterator

import pytest

from cachelens import OptionsError, cache_of, memoize, verify as verify_module
from cachelens.reporter.messages import stats_entry
from cachelens.value_shape import differences, leaves_of, value_hash
from cachelens.verify import Verifier, run_in_worker
from reporter_support import wait_until

pytestmark = pytest.mark.usefixtures("call_path")  # the C and the Python hit paths


@pytest.fixture(autouse=True)
def fresh_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("CACHELENS_VERIFY", raising=False)
    monkeypatch.delenv("CACHELENS_VERIFY_SHOW_VALUES", raising=False)
    verify_module.reread_environment()
    yield
    verify_module.reread_environment()


def verified(f: Any) -> dict[str, Any]:
    return cache_of(f).stats()["verify"]


def settled(f: Any, n: int) -> dict[str, Any]:
    """The verify stats once `n` checks ended (compared or failed), within 10 s."""
    return wait_until(lambda: (v := verified(f))["checked"] + v["failed"] >= n and v, 10, f"{n} checks")


def test_an_impure_function_is_caught_and_a_pure_one_is_not() -> None:
    counter = [0]

    @memoize(verify=1)
    def impure(x: int) -> dict[str, Any]:
        counter[0] += 1
        return {"x": x, "items": [{"price": 10}, {"price": 20 + counter[0]}]}

    @memoize(verify=1)
    def pure(x: int) -> dict[str, Any]:
        return {"x": x, "items": [{"price": 10}, {"price": 20}], "tags": {"a", "b", "c"}}

    first = impure(1)
    assert impure(1) is first  # the caller gets the cached value
    s = settled(impure, 1)
    assert (s["checked"], s["differed"], s["failed"], s["mutated"]) == (1, 1, 0, 0)
    assert s["diff"] == {"paths": [{"path": "value['items'][1]['price']", "cached": "int", "fresh": "int"}], "values": False}
    assert cache_of(impure).stats()["hits"] == 1

    pure(1)
    for _ in range(3):
        pure(1)
        settled(pure, 1)
    s = wait_until(lambda: (v := verified(pure))["checked"] >= 2 and v, 10, "two checks")
    assert s["differed"] == 0 and "diff" not in s


def test_verify_off_adds_nothing() -> None:
    @memoize
    def f(x: int) -> int:
        return x

    f(1), f(1)
    assert "verify" not in cache_of(f).stats()
    entry = stats_entry(cache_of(f)._memo)  # noqa: SLF001
    assert entry is not None and "verify" not in json.loads(entry[1])


def test_one_check_at_a_time() -> None:
    release = threading.Event()
    runs = [0]

    @memoize(verify=1)
    def f(x: int) -> int:
        runs[0] += 1
        if runs[0] > 1:  # the re-runs wait
            release.wait(10)
        return x

    f(1)
    wait_until(lambda: [f(1), runs[0] == 2][1], 10, "the first re-run")
    for _ in range(20):
        f(1)  # a check is running: none of these starts another
    assert runs[0] == 2
    release.set()
    s = settled(f, 1)
    assert s["checked"] == 1 and s["differed"] == 0
    assert cache_of(f).stats()["hits"] >= 21


def test_never_while_the_key_is_being_computed() -> None:
    # the process has one worker thread: a check of `blocker` holds it while f(1) is hit
    # (its check queued) and then computed again; the queued check finds the computation and
    # does not run f
    hold = threading.Event()
    calls: list[str] = []

    @memoize(verify=1)
    def blocker(x: int) -> int:
        if calls.count("blocker") >= 1:
            hold.wait(10)
        calls.append("blocker")
        return x

    computing = threading.Event()
    finish = threading.Event()

    @memoize(verify=1)
    def f(x: int) -> int:
        calls.append("f")
        if calls.count("f") == 2:  # the second computation (after delete) waits
            computing.set()
            finish.wait(10)
        return x

    blocker(1)
    f(1)
    blocker(1)  # its check now holds the worker
    f(1)  # a hit: its check is queued behind
    assert cache_of(f).delete(1)
    t = threading.Thread(target=f, args=(1,))
    t.start()
    assert computing.wait(10)
    hold.set()  # the worker runs blocker's check, then f's: f(1) is in flight
    settled(blocker, 1)
    wait_until(lambda: not cache_of(f)._memo._verifier._checking, 10, "f's check to end")  # noqa: SLF001
    finish.set()
    t.join(10)
    assert calls.count("f") == 2  # two computations, no re-run
    assert verified(f)["checked"] == 0


def test_a_failed_rerun_is_counted_and_never_raised() -> None:
    runs = [0]

    @memoize(verify=1)
    def f(x: int) -> int:
        runs[0] += 1
        if runs[0] > 1:
            raise RuntimeError("the database is gone")
        return x

    assert f(1) == 1 and f(1) == 1
    s = settled(f, 1)
    assert (s["checked"], s["failed"], s["differed"]) == (0, 1, 0)


def test_async_functions_are_checked_as_tasks_of_the_running_loop() -> None:
    counter, runs = [0], [0]

    @memoize(verify=1, verify_show_values=True)
    async def impure(x: int) -> int:
        counter[0] += 1
        return counter[0]

    @memoize(verify=1)
    async def failing(x: int) -> int:
        runs[0] += 1
        if runs[0] > 1:
            raise ValueError("no")
        return x

    async def main() -> None:
        assert await impure(1) == 1
        assert await impure(1) == 1
        for _ in range(100):
            if verified(impure)["checked"]:
                break
            await asyncio.sleep(0.01)
        assert await failing(1) == 1
        assert await failing(1) == 1
        for _ in range(100):
            if verified(failing)["failed"]:
                break
            await asyncio.sleep(0.01)

    asyncio.run(main())
    s = verified(impure)
    assert (s["checked"], s["differed"]) == (1, 1)
    assert s["diff"] == {"paths": [{"path": "value", "cached": "int: 1", "fresh": "int: 2"}], "values": True}
    assert (verified(failing)["failed"], verified(failing)["checked"]) == (1, 0)


def test_a_callers_mutation_of_the_cached_value_is_counted() -> None:
    @memoize(verify=1)
    def f(x: int) -> list[int]:
        return [x, x]

    got = f(1)
    got.append(99)  # the caller changes the object the cache holds
    assert f(1) == [1, 1, 99]
    s = settled(f, 1)
    # the fresh result is what was cached before the change: not a difference of the function
    assert (s["checked"], s["mutated"], s["differed"]) == (1, 1, 0)


def test_values_are_redacted_unless_asked() -> None:
    @dataclasses.dataclass
    class Price:
        amount: float
        currency: str

    def make(show: bool) -> Any:
        counter = [0]

        @memoize(verify=1, verify_show_values=show)
        def f(x: int) -> Price:
            counter[0] += 1
            return Price(9.5 + counter[0], "EUR")

        return f

    hidden, shown = make(False), make(True)
    hidden(1), hidden(1), shown(1), shown(1)
    assert settled(hidden, 1)["diff"]["paths"] == [{"path": "value.amount", "cached": "float", "fresh": "float"}]
    assert settled(shown, 1)["diff"] == {
        "paths": [{"path": "value.amount", "cached": "float: 10.5", "fresh": "float: 11.5"}],
        "values": True,
    }


def test_methods_are_verified_per_instance() -> None:
    class Repo:
        def __init__(self) -> None:
            self.n = 0

        @memoize(verify=1)
        def find(self, x: int) -> int:
            self.n += 1
            return self.n

    repo = Repo()
    assert repo.find(1) == 1 and repo.find(1) == 1
    s = settled(Repo.find, 1)
    assert (s["checked"], s["differed"]) == (1, 1)


def test_the_environment_turns_it_on_and_the_option_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHELENS_VERIFY", "1")
    monkeypatch.setenv("CACHELENS_VERIFY_SHOW_VALUES", "1")
    verify_module.reread_environment()
    counter = [0]

    @memoize
    def f(x: int) -> int:
        counter[0] += 1
        return counter[0]

    @memoize(verify=0)
    def off(x: int) -> int:
        return x

    f(1), f(1), off(1), off(1)
    assert settled(f, 1)["diff"]["values"] is True
    assert "verify" not in cache_of(off).stats()


@pytest.mark.parametrize("raw", ["often", "2", "-0.5", "nan"])
def test_an_unreadable_variable_warns_once_and_verify_stays_off(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("CACHELENS_VERIFY", raw)
    with pytest.warns(RuntimeWarning, match="CACHELENS_VERIFY=.* is not a share of hits from 0 to 1"):
        @memoize
        def f(x: int) -> int:
            return x

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only once per process

        @memoize
        def g(x: int) -> int:
            return x

    f(1), f(1)
    assert "verify" not in cache_of(f).stats()


@pytest.mark.parametrize("bad", [2, -0.1, float("nan"), True, "0.5"])
def test_a_bad_share_is_an_options_error_naming_verify(bad: Any) -> None:
    with pytest.raises(OptionsError, match="option `verify` must be a number from 0 to 1"):
        memoize(lambda x: x, verify=bad)


def test_a_bad_show_values_is_an_options_error() -> None:
    with pytest.raises(OptionsError, match="option `verify_show_values` must be True or False"):
        memoize(lambda x: x, verify=1, verify_show_values="yes")  # type: ignore[arg-type]


def test_the_stats_entry_of_the_live_protocol_carries_verify() -> None:
    counter = [0]

    @memoize(verify=1, id="tests/verify#live")
    def f(x: int) -> dict[str, int]:
        counter[0] += 1
        return {"n": counter[0]}

    f(1), f(1)
    settled(f, 1)
    entry = stats_entry(cache_of(f)._memo)  # noqa: SLF001
    assert entry is not None
    assert json.loads(entry[1])["verify"] == {
        "checked": 1, "differed": 1, "failed": 0, "mutated": 0,
        "diff": {"paths": [{"path": "value['n']", "cached": "int", "fresh": "int"}], "values": False},
    }


class _Source:
    id = "tests/verify#bad"

    def __init__(self, verify: Any) -> None:
        self.verify = verify

    def snapshot(self) -> dict[str, Any]:
        return {"hits": 1, "misses": 1, "verify": self.verify}


@pytest.mark.parametrize(
    "bad",
    [
        {"checked": -1, "differed": 0, "failed": 0, "mutated": 0},
        {"checked": 1, "differed": 0, "failed": 0},
        {"checked": 1, "differed": 1, "failed": 0, "mutated": 0, "diff": {"paths": [], "values": "no"}},
        {"checked": 1, "differed": 1, "failed": 0, "mutated": 0,
         "diff": {"paths": [{"path": "value", "cached": "int", "fresh": "int"}] * 6, "values": False}},
    ],
)
def test_an_invalid_verify_is_left_out_of_the_entry_never_sent_broken(bad: Any) -> None:
    entry = stats_entry(_Source(bad))
    assert entry is not None
    sent = json.loads(entry[1])
    assert "verify" not in sent and sent["hits"] == 1


def test_sampling_checks_about_the_share_of_hits() -> None:
    v = Verifier(0.1, False, random.Random(7).random)
    sampled = 0
    for _ in range(20_000):
        if v.sample():
            sampled += 1
            v.done()
    assert 1_700 <= sampled <= 2_300  # mean 2,000; a seeded source, so always the same count


def test_the_worker_survives_a_job_that_raises() -> None:
    done = threading.Event()

    def bad() -> None:
        raise SystemExit(3)

    run_in_worker(bad)
    run_in_worker(done.set)
    assert done.wait(10)


@dataclasses.dataclass
class _Point:
    x: int
    y: list[int]


class _Slotted:
    __slots__ = ("a", "b")

    def __init__(self) -> None:
        self.a = 1


class _Unreadable:
    @property
    def __dict__(self) -> Any:  # type: ignore[override]
        raise RuntimeError("no")


def test_value_shape_is_structural() -> None:
    assert value_hash({"a": 1, "b": [1, 2]}) == value_hash({"b": [1, 2], "a": 1})  # key order
    assert value_hash({3, 1, 2, "x"}) == value_hash({"x", 2, 1, 3})  # set order
    assert value_hash([1, 2]) != value_hash((1, 2))  # list vs tuple
    assert value_hash(1) != value_hash(1.0) != value_hash(True)
    assert value_hash(_Point(1, [2])) == value_hash(_Point(1, [2])) != value_hash(_Point(1, [3]))
    s = _Slotted()
    assert [(l.path, l.type) for l in leaves_of(s)] == [("value", "_Slotted"), ("value.a", "int")]
    cycle: list[Any] = [1]
    cycle.append(cycle)
    assert [(l.path, l.type, l.text) for l in leaves_of(cycle)][-1] == ("value[1]", "reference", "value")
    assert ("value", "unreadable") in [(l.path, l.type) for l in leaves_of(_Unreadable())]
    deep: list[Any] = []
    node = deep
    for _ in range(5_000):  # deeper than the interpreter's recursion limit
        node.append([])
        node = node[0]
    value_hash(deep)
    assert leaves_of(list(range(20_000)))[-1].type in ("int", "truncated")
    d = differences({"items": [1, 2, 3]}, {"items": [1, 2]}, 5)
    assert [(x.path, x.a.type if x.a else None, x.b) for x in d] == [
        ("value['items']", "list(3)", d[0].b),
        ("value['items'][2]", "int", None),
    ]


def test_a_shared_store_is_verified_and_its_copies_are_never_mutated(tmp_path: Any) -> None:
    from cachelens import config

    (tmp_path / "cachelens.config.json").write_text(json.dumps({"backends": {"d": {"type": "disk", "path": "cache"}}}))
    config.reload_config()
    counter = [0]

    @memoize(backend="d", verify=1)
    def f(x: int) -> list[int]:
        counter[0] += 1
        return [x, counter[0]]

    got = f(1)
    got.append(5)  # a copy: the store is not affected
    assert f(1) == [1, 1]
    s = settled(f, 1)
    assert (s["checked"], s["differed"], s["mutated"]) == (1, 1, 0)
    assert s["diff"]["paths"] == [{"path": "value[1]", "cached": "int", "fresh": "int"}]


def test_a_check_in_progress_never_keeps_the_process_alive() -> None:
    from reporter_support import Program

    program = Program(
        "import time\n"
        "from cachelens import memoize\n"
        "runs = [0]\n"
        "@memoize(verify=1)\n"
        "def f(x):\n"
        "    runs[0] += 1\n"
        "    if runs[0] > 1: print('re-run', flush=True); time.sleep(600)\n"
        "    return x\n"
        "f(1); f(1)\n"
        "import threading\n"
        "while runs[0] < 2: time.sleep(0.01)\n",
    )
    try:
        assert program.line(20) == "re-run"
        assert program.wait(20) == 0
    finally:
        program.kill()


def test_only_a_verified_function_leaves_the_direct_hit_path(monkeypatch: pytest.MonkeyPatch) -> None:
    @memoize
    def plain(x: int) -> int:
        return x

    @memoize(verify=1)
    def checked(x: int) -> int:
        return x

    plain(1), checked(1)
    seen: list[str] = []
    for f, name in ((plain, "plain"), (checked, "checked")):
        memo = cache_of(f)._memo  # noqa: SLF001
        real = memo._begin  # noqa: SLF001

        def spy(*args: Any, _real: Any = real, _name: str = name) -> Any:
            seen.append(_name)
            return _real(*args)

        monkeypatch.setattr(memo, "_begin", spy)
    assert plain(1) == 1 and checked(1) == 1
    assert seen == ["checked"]  # the plain function's hit never left the direct (or C) path
    settled(checked, 1)
