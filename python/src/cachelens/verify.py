"""The `verify` option: for a share of hits, run the function again off the caller's path and
compare what it returns with the cached value by structure (`value_shape`). A difference means
the function depends on something besides its arguments (the time, a database row...); a cached
value whose structure changed since it was cached was mutated by a caller.

The same semantics and the same protocol field (`verify` of a function's stats, docs/protocol.md)
as the JavaScript runtime. One `Verifier` per memoized function, made only when `verify` > 0 (a
function without it pays nothing: its hits keep the direct and C hit paths). At most one check at
a time per function, never for a key whose value is being computed, never an exception into user
code (a re-run that raises is counted as `failed`). A `def` function is re-run on one daemon
worker thread of the process (never on the caller's thread, never keeping the process alive); an
`async def` function as a task of the running event loop.

**Verifying runs the function again, side effects included**: for development and staging.
"""

from __future__ import annotations

import asyncio
import math
import os
import queue
import random
import threading
import warnings
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Hashable

from .value_shape import Leaf, differences, value_hash

__all__ = [
    "MAX_DIFF_PATHS",
    "MAX_DIFF_TEXT",
    "VERIFY_ENV",
    "VERIFY_SHOW_VALUES_ENV",
    "Verifier",
    "verify_share_problem",
    "verify_from_environment",
    "reread_environment",
    "run_in_worker",
]

MAX_DIFF_PATHS = 5
"""Most differing paths a diff carries (the protocol's limit)."""
MAX_DIFF_TEXT = 200
"""Longest text of a path or a shown value in a diff, in characters."""
VERIFY_ENV = "CACHELENS_VERIFY"
VERIFY_SHOW_VALUES_ENV = "CACHELENS_VERIFY_SHOW_VALUES"

_MAX_REMEMBERED = 65_536
"""Cached values whose hash is remembered for the mutation check, per function (the oldest are
forgotten first: a forgotten value is still checked, just not for mutation)."""

_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes)


def verify_share_problem(value: object) -> str | None:
    """What is wrong with `value` as a share of hits to verify, or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 1:
        return None
    return (
        "must be a number from 0 to 1 (the share of hits whose function is run again and compared, "
        f"e.g. 0.01); got {value!r}"[:300]
    )


_env_lock = threading.Lock()
_from_env: tuple[float, bool] | None = None


def verify_from_environment() -> tuple[float, bool]:
    """(share, show values) from `CACHELENS_VERIFY` and `CACHELENS_VERIFY_SHOW_VALUES`, read once
    per process. `CACHELENS_VERIFY`: a share from 0 to 1; `1`, `on` or `true`: every hit; `0`,
    `off`, `false` or unset: off. A value that cannot be read gives one `RuntimeWarning` naming
    the variable, and verify stays off. `CACHELENS_VERIFY_SHOW_VALUES`: `1`, `on` or `true`."""
    global _from_env
    with _env_lock:
        if _from_env is not None:
            return _from_env
        raw = os.environ.get(VERIFY_ENV, "").strip()
        share = 0.0
        if raw and raw.lower() not in ("off", "false"):
            try:
                n = 1.0 if raw.lower() in ("on", "true") else float(raw)
            except ValueError:
                n = math.nan
            if verify_share_problem(n) is None:
                share = n
            else:
                warnings.warn(
                    f"cachelens: {VERIFY_ENV}={raw[:40]!r} is not a share of hits from 0 to 1 (e.g. 0.01, or 1 for "
                    "every hit); verify stays off. Fix the variable.",
                    RuntimeWarning,
                    stacklevel=2,
                )
        show = os.environ.get(VERIFY_SHOW_VALUES_ENV, "").strip().lower() in ("1", "on", "true")
        _from_env = (share, show)
        return _from_env


def reread_environment() -> None:
    """Forgets the environment read so far (for tests that change the variables)."""
    global _from_env
    with _env_lock:
        _from_env = None


# --- the worker thread of `def` functions' checks ------------------------------------------------

_worker_lock = threading.Lock()
_worker: tuple[int, "queue.SimpleQueue[Callable[[], None]]"] | None = None


def _work(jobs: "queue.SimpleQueue[Callable[[], None]]") -> None:
    while True:
        job = jobs.get()
        try:
            job()
        except BaseException:  # noqa: BLE001 - a check never stops the worker
            pass


def run_in_worker(job: Callable[[], None]) -> None:
    """Runs `job` on the process's verify worker: one daemon thread, started on first use (again
    in a forked child, where the parent's thread does not exist)."""
    global _worker
    pid = os.getpid()
    held = _worker
    if held is None or held[0] != pid:
        with _worker_lock:
            held = _worker
            if held is None or held[0] != pid:
                jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
                threading.Thread(target=_work, args=(jobs,), name="cachelens-verify", daemon=True).start()
                held = _worker = (pid, jobs)
    held[1].put(job)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DIFF_TEXT else text[: MAX_DIFF_TEXT - 1] + "\u2026"


class Verifier:
    """The verify state of one memoized function.

    `share`: fraction of hits checked, in (0, 1]. `show_values`: keep the values in the diff
    (else paths and types only). `random`: the sampling source (tests pass a seeded one).
    """

    def __init__(self, share: float, show_values: bool, rand: Callable[[], float] = random.random) -> None:
        self.share = share
        self.show_values = show_values
        self._random = rand
        self.checked = 0
        self.differed = 0
        self.failed = 0
        self.mutated = 0
        self._diff: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._checking = False
        # (store, key) -> (id of the value cached there, its hash when cached)
        self._hashes: OrderedDict[Hashable, tuple[int, str]] = OrderedDict()
        self.capacity = _MAX_REMEMBERED
        """cached values whose hash is remembered at most (the memo sets it from the store's bound)"""
        self._skip = self._gap()

    def _gap(self) -> int:
        """Hits until the next sampled one (1: the next): geometric with mean 1 / share."""
        if self.share >= 1:
            return 1
        u = self._random()
        return 1 if u <= 0 else int(math.log(u) / math.log1p(-self.share)) + 1

    # --- what the memo tells it ---------------------------------------------------------------

    def cached(self, slot: Hashable, value: Any) -> None:
        """`value` was stored at `slot` of an in-process store: remembers its hash, to see later
        whether a caller mutated it. Never raises."""
        if type(value) in _IMMUTABLE:
            return
        try:
            digest = value_hash(value)
        except Exception:
            return
        with self._lock:
            hashes = self._hashes
            hashes[slot] = (id(value), digest)
            hashes.move_to_end(slot)
            if len(hashes) > self.capacity:
                hashes.popitem(last=False)

    def sample(self) -> bool:
        """A hit happened: True when it is the sampled one and no check is running (the caller
        must then start one, and call `done` at its end). A hit costs a decrement otherwise."""
        self._skip -= 1
        if self._skip > 0:
            return False
        with self._lock:
            if self._checking:
                return False
            self._skip = self._gap()
            self._checking = True
            return True

    def done(self) -> None:
        """The check `sample` allowed has ended (or was skipped)."""
        self._checking = False

    # --- the check ----------------------------------------------------------------------------

    def _before(self, slot: Hashable, value: Any) -> tuple[str | None, str]:
        """(the hash when cached, if known, and the hash now); counts a mutation."""
        with self._lock:
            held = self._hashes.get(slot)
        original = held[1] if held is not None and held[0] == id(value) else None
        now = value_hash(value)
        if original is not None and original != now:
            with self._lock:
                self.mutated += 1
        return original, now

    def _after(self, cached: Any, expected: str, fresh: Any) -> None:
        same = value_hash(fresh) == expected
        # The diff is made before the counts move, so that no snapshot shows a difference without it.
        diff = None if same or self._diff is not None else self._diff_of(cached, fresh)
        with self._lock:
            self.checked += 1
            if same:
                return
            self.differed += 1
            if self._diff is None and diff is not None:
                self._diff = diff

    def check(self, slot: Hashable, value: Any, rerun: Callable[[], Any], busy: Callable[[], bool]) -> None:
        """Runs one check of the cached `value` of `slot` (on the worker thread): `rerun()` calls
        the function with the hit's arguments; `busy()` says the key is being computed (then
        nothing is done). Ends the check (`done`). Never raises."""
        try:
            if busy():
                return
            original, now = self._before(slot, value)
            try:
                fresh = rerun()
            except BaseException:  # noqa: BLE001 - counted, never raised
                with self._lock:
                    self.failed += 1
                return
            self._after(value, original or now, fresh)
        except Exception:  # noqa: BLE001 - never into user code
            pass
        finally:
            self.done()

    async def check_async(
        self, slot: Hashable, value: Any, rerun: Callable[[], Awaitable[Any]], busy: Callable[[], bool]
    ) -> None:
        """`check` for an `async def` function, as a task of the running loop."""
        try:
            if busy():
                return
            original, now = self._before(slot, value)
            try:
                fresh = await rerun()
            except asyncio.CancelledError:
                raise  # the loop is closing: not a failure of the function
            except BaseException:  # noqa: BLE001 - counted, never raised
                with self._lock:
                    self.failed += 1
                return
            self._after(value, original or now, fresh)
        except Exception:  # noqa: BLE001
            pass
        finally:
            self.done()

    def _diff_of(self, cached: Any, fresh: Any) -> dict[str, Any]:
        def side(leaf: Leaf | None) -> str:
            if leaf is None:
                return "absent"
            return f"{leaf.type}: {_clip(leaf.text)}" if self.show_values and leaf.text != "" else leaf.type

        paths = [
            {"path": _clip(d.path), "cached": side(d.a), "fresh": side(d.b)}
            for d in differences(cached, fresh, MAX_DIFF_PATHS)
        ]
        return {"paths": paths, "values": self.show_values}

    def snapshot(self) -> dict[str, Any]:
        """The counters as the live protocol's `verify` carries them (cumulative)."""
        with self._lock:
            out: dict[str, Any] = {
                "checked": self.checked,
                "differed": self.differed,
                "failed": self.failed,
                "mutated": self.mutated,
            }
            if self._diff is not None:
                out["diff"] = {"paths": [dict(p) for p in self._diff["paths"]], "values": self._diff["values"]}
            return out
