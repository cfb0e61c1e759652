"""`functools.lru_cache` / `functools.cache` wrappers (and any wrapper with the same
`cache_info()`/`cache_clear()` pair, such as `cachetools.func`'s).

Hits, misses and the size come from `cache_info()`, read when the reporter asks (on its timer),
never on the call path: watching adds nothing to a call. `cache_clear()` zeroes the library's
counters; the watcher keeps what was counted before as a base, so the totals it reports never
decrease. It replaces the wrapper's `cache_clear` attribute by one that folds the counters into the
base first (exact), and treats any other drop it sees as a reset too (a `cache_clear` captured
before the watch).

Evictions by size are derived for a bounded cache: misses that did not leave an entry
(`misses - entries - cleared`). That is exact while the function does not raise (an exception is
not cached, and would count here as an eviction).
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from ._common import Watched, stats_entry
from ._source import function_id, function_location

__all__ = ["LruCacheWatch", "is_cache_info_wrapper"]


def is_cache_info_wrapper(obj: Any) -> bool:
    """Whether `obj` is a function cache with `cache_info()` and `cache_clear()`."""
    return callable(obj) and callable(getattr(obj, "cache_info", None)) and callable(getattr(obj, "cache_clear", None))


def _backend_type(fn: Any) -> str:
    if isinstance(fn, functools._lru_cache_wrapper):  # type: ignore[attr-defined]
        return "lru_cache"
    module = getattr(getattr(fn, "cache_info", None), "__module__", "") or ""
    if module.startswith("cachetools"):
        return "cachetools.func"
    return "cache_info"


def _closure_ttl(fn: Any) -> float | None:
    """The `ttl` of the cache held by a `cachetools.func.ttl_cache` wrapper, if any."""
    for cell in getattr(getattr(fn, "cache_info", None), "__closure__", None) or ():
        try:
            ttl = getattr(cell.cell_contents, "ttl", None)
        except ValueError:
            continue
        if isinstance(ttl, (int, float)) and not isinstance(ttl, bool):
            return ttl
    return None


class LruCacheWatch(Watched):
    """Reports a `functools.lru_cache`-style wrapper from its `cache_info()`."""

    def __init__(self, fn: Callable[..., Any], source_id: str | None = None) -> None:
        params: dict[str, Any] = {}
        try:
            params = dict(fn.cache_parameters())  # type: ignore[attr-defined]
        except Exception:
            try:
                params = {"maxsize": fn.cache_info().maxsize}  # type: ignore[attr-defined]
            except Exception:
                params = {}
        ttl = _closure_ttl(fn)
        if ttl is not None:
            params["ttl"] = ttl
        resolved = source_id or function_id(fn)
        super().__init__(resolved, params, function_location(fn))
        self.backend_type = _backend_type(fn)
        self._fn = fn
        self._maxsize = params.get("maxsize")
        self._lock = threading.Lock()
        self._base_hits = 0
        self._base_misses = 0
        self._last_hits = 0
        self._last_misses = 0
        self._last_entries = 0
        self._size = 0
        self._size_shift = 0
        self._original_clear: Callable[[], None] = fn.cache_clear  # type: ignore[attr-defined]
        self._wrap_clear()

    def _wrap_clear(self) -> None:
        original = self._original_clear
        watcher = self

        @functools.wraps(original)
        def cache_clear() -> None:
            with watcher._lock:
                watcher._fold(clearing=True)
                original()

        cache_clear.__cachelens_watch__ = self  # type: ignore[attr-defined]
        try:
            self._fn.cache_clear = cache_clear  # type: ignore[attr-defined]
        except (AttributeError, TypeError):
            pass  # the drop is still seen as a reset by `_fold`

    def _fold(self, clearing: bool = False) -> tuple[int, int, int]:
        """Reads `cache_info()` and folds a reset into the base; with `clearing`, the entries
        about to be cleared count as explicit evictions and the counters restart from 0.
        Returns (total hits, total misses, entries now). Called with `_lock` held."""
        info = self._fn.cache_info()  # type: ignore[attr-defined]
        hits, misses, entries = int(info.hits), int(info.misses), int(info.currsize or 0)
        if hits < self._last_hits or misses < self._last_misses:
            # cleared behind our back: what was counted before stays in the totals
            self._base_hits += self._last_hits
            self._base_misses += self._last_misses
            self.counters.explicit += self._last_entries
        total_hits, total_misses = self._base_hits + hits, self._base_misses + misses
        if self._maxsize:
            self._size = max(self._size, total_misses - self.counters.explicit - entries + self._size_shift)
        if clearing:
            self._base_hits, self._base_misses = total_hits, total_misses
            self.counters.explicit += entries
            hits = misses = entries = 0
        self._last_hits, self._last_misses, self._last_entries = hits, misses, entries
        return total_hits, total_misses, entries

    def after_fork_in_child(self) -> None:
        """In a fork child: the cache and its `cache_info()` figures are the parent's copy; the
        totals restart from 0 by moving the base below them."""
        self._lock = threading.Lock()
        self.counters.reset()
        hits, misses, entries = self._fold()
        self._base_hits -= hits
        self._base_misses -= misses
        self._size, self._size_shift = 0, entries
        self._last = stats_entry(self.id, self.counters, entries=entries, hits=0, misses=0, size=0)

    def _snapshot(self) -> dict[str, Any]:
        """Hits, misses and entries from `cache_info()`, as totals that never decrease."""
        with self._lock:
            hits, misses, entries = self._fold()
            return stats_entry(self.id, self.counters, entries=entries, hits=hits, misses=misses, size=self._size)

    def clear(self) -> bool:
        """`cache_clear()`: empties the cache; its entries count as explicit evictions."""
        try:
            self._fn.cache_clear()  # type: ignore[attr-defined]
        except Exception:
            return False
        return True
