"""cachetools caches (`LRUCache`, `LFUCache`, `TTLCache`, ...) and `cachetools.cached` functions.

cachetools 5.2 (Debian's) keeps no statistics, so the watcher counts in this process by wrapping
the cache object itself: its class is swapped for a subclass (same layout, same name) whose
lookups count. Every reference to the cache sees it, including the one inside a
`cachetools.cached` wrapper, found through the wrapper's `cache` attribute or its closure.

- hits / misses: `cache[key]` that answers / raises `KeyError`, `cache.get(key)` that finds / does
  not find the key. `key in cache` is not a lookup and is not counted; `setdefault` neither (the
  locked `cached` wrapper calls it after a miss it already counted).
- evictions: `size` when the cache drops an entry to make room (`popitem` called by the cache),
  `expired` for entries a `TTLCache`/`TLRUCache` removes past their time, `explicit` for `del`,
  `pop` and `clear`.
- entries: the entries held (a TTL cache's expired entries count until it removes them: reading
  its length from the reporter's thread would change the cache).
Only the outermost of the watcher's methods counts (cachetools calls `pop` from `popitem`, and
`popitem` from `clear`).
"""

from __future__ import annotations

import copyreg
import threading
from collections.abc import ItemsView, ValuesView
from typing import Any, Callable, Iterator

from ._common import Counters, Watched, stats_entry
from ._source import function_id, function_location

__all__ = ["CachetoolsWatch", "cache_of_cached_function", "is_cachetools_cache"]

_ABSENT = object()
_MARKER = object()
_classes: dict[type, type] = {}
_classes_lock = threading.Lock()


def _cachetools() -> Any:
    import sys

    return sys.modules.get("cachetools")


def is_cachetools_cache(obj: Any) -> bool:
    """Whether `obj` is a cachetools cache (without importing cachetools)."""
    module = _cachetools()
    return module is not None and isinstance(obj, module.Cache)


def cache_of_cached_function(fn: Any) -> Any:
    """The cachetools cache behind a `cachetools.cached` function, or None: its `cache`
    attribute, else a cache held in its closure."""
    if not callable(fn) or _cachetools() is None:
        return None
    cache = getattr(fn, "cache", None)
    if is_cachetools_cache(cache):
        return cache
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if is_cachetools_cache(value):
            return value
    return None


def _counting_class(base: type) -> type:
    """A subclass of `base` that counts lookups and evictions into `self._cachelens_counters`."""
    with _classes_lock:
        made = _classes.get(base)
        if made is not None:
            return made
        base_getitem = base.__getitem__
        base_get = base.get
        base_pop = base.pop
        base_delitem = base.__delitem__
        base_popitem = base.popitem
        base_clear = base.clear
        base_setdefault = base.setdefault
        base_expire = getattr(base, "expire", None)

        def __getitem__(self: Any, key: Any) -> Any:
            c: Counters = self._cachelens_counters
            if c.depth:
                return base_getitem(self, key)
            c.depth += 1
            try:
                value = base_getitem(self, key)
            except KeyError:
                c.misses += 1
                raise
            finally:
                c.depth -= 1
            c.hits += 1
            return value

        def get(self: Any, key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
            c: Counters = self._cachelens_counters
            outer = not c.depth
            c.depth += 1
            try:
                value = base_get(self, key, _ABSENT, *args, **kwargs)
            finally:
                c.depth -= 1
            if value is _ABSENT:
                if outer:
                    c.misses += 1
                return default
            if outer:
                c.hits += 1
            return value

        def pop(self: Any, key: Any, default: Any = _MARKER) -> Any:
            c: Counters = self._cachelens_counters
            outer = not c.depth
            c.depth += 1
            try:
                value = base_pop(self, key, _ABSENT)
            finally:
                c.depth -= 1
            if value is _ABSENT:
                if default is _MARKER:
                    raise KeyError(key)
                return default
            if outer:
                c.explicit += 1
            return value

        def __delitem__(self: Any, key: Any) -> None:
            c: Counters = self._cachelens_counters
            outer = not c.depth
            c.depth += 1
            try:
                base_delitem(self, key)
            finally:
                c.depth -= 1
            if outer:
                c.explicit += 1

        def popitem(self: Any) -> Any:
            c: Counters = self._cachelens_counters
            c.depth += 1
            try:
                item = base_popitem(self)
            finally:
                c.depth -= 1
            if c.clearing:
                c.explicit += 1
            else:
                c.size += 1  # called by the cache to make room
            return item

        def clear(self: Any) -> None:
            c: Counters = self._cachelens_counters
            c.clearing += 1
            c.depth += 1
            try:
                base_clear(self)
            finally:
                c.depth -= 1
                c.clearing -= 1

        def setdefault(self: Any, key: Any, default: Any = None) -> Any:
            c: Counters = self._cachelens_counters
            c.depth += 1
            try:
                return base_setdefault(self, key, default)
            finally:
                c.depth -= 1

        def items(self: Any) -> ItemsView[Any, Any]:
            return _QuietItems(self)

        def values(self: Any) -> ValuesView[Any]:
            return _QuietValues(self)

        def __reduce_ex__(self: Any, protocol: Any) -> Any:
            # a copy is an unwatched cache of the library's class, without the counters
            state = {k: v for k, v in vars(self).items() if k != "_cachelens_counters"}
            return copyreg._reconstructor, (base, object, None), state  # type: ignore[attr-defined]

        namespace: dict[str, Any] = {
            "__slots__": (),
            "items": items,
            "values": values,
            "__reduce_ex__": __reduce_ex__,
            "__module__": base.__module__,
            "__qualname__": base.__qualname__,
            "__getitem__": __getitem__,
            "get": get,
            "pop": pop,
            "__delitem__": __delitem__,
            "popitem": popitem,
            "clear": clear,
            "setdefault": setdefault,
        }
        if base_expire is not None:

            def expire(self: Any, *args: Any, **kwargs: Any) -> Any:
                before = _held(self)
                result = base_expire(self, *args, **kwargs)
                self._cachelens_counters.expired += max(0, before - _held(self))
                return result

            namespace["expire"] = expire
        made = type(base.__name__, (base,), namespace)
        _classes[base] = made
        return made


def _quiet_lookup(cache: Any, key: Any) -> Any:
    counters: Counters = cache._cachelens_counters
    counters.depth += 1
    try:
        return cache[key]
    finally:
        counters.depth -= 1


class _QuietItems(ItemsView[Any, Any]):
    """`cache.items()`: reading every entry is not a lookup."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        for key in self._mapping:
            yield key, _quiet_lookup(self._mapping, key)


class _QuietValues(ValuesView[Any]):
    """`cache.values()`: reading every entry is not a lookup."""

    def __iter__(self) -> Iterator[Any]:
        for key in self._mapping:
            yield _quiet_lookup(self._mapping, key)


def _held(cache: Any) -> int:
    """Entries held, expired or not, read without touching the cache's order or expiry."""
    module = _cachetools()
    return int(module.Cache.__len__(cache)) if module is not None else len(cache)


def _library_class(cache: Any) -> str:
    for cls in type(cache).__mro__:
        if cls.__module__ == "cachetools":
            return cls.__name__
    return type(cache).__name__


class CachetoolsWatch(Watched):
    """Reports a cachetools cache, counted by the cache object itself."""

    def __init__(self, cache: Any, source_id: str, location: dict[str, Any] | None,
                 function: Callable[..., Any] | None = None) -> None:
        options: dict[str, Any] = {"maxsize": getattr(cache, "maxsize", None)}
        ttl = getattr(cache, "ttl", None)
        if isinstance(ttl, (int, float)):
            options["ttl"] = ttl
        super().__init__(source_id, options, location)
        self.backend_type = f"cachetools.{_library_class(cache)}"
        self.cache = cache
        self._lock = getattr(function, "cache_lock", None) if function is not None else None
        existing = cache.__dict__.get("_cachelens_counters")
        if isinstance(existing, Counters):
            self.counters = existing  # watched before: one set of counters per cache
        else:
            cache.__dict__["_cachelens_counters"] = self.counters
            if type(cache) not in _classes.values():
                cache.__class__ = _counting_class(type(cache))

    @classmethod
    def for_function(cls, fn: Callable[..., Any], source_id: str | None = None) -> "CachetoolsWatch":
        """Watches the cache of a `cachetools.cached` function; the row is the function's."""
        cache = cache_of_cached_function(fn)
        resolved = source_id or function_id(fn)
        return cls(cache, resolved, function_location(fn), function=fn)

    def _snapshot(self) -> dict[str, Any]:
        return stats_entry(self.id, self.counters, entries=_held(self.cache))

    def clear(self) -> bool:
        """`cache.clear()` (under the `cached` function's lock when it has one)."""
        try:
            if self._lock is not None:
                with self._lock:
                    self.cache.clear()
            else:
                self.cache.clear()
            return True
        except Exception:
            return False
