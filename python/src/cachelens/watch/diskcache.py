"""diskcache `Cache` and `FanoutCache`.

diskcache's own `Cache.stats()` sums every process that opened the folder and persists across
restarts, so the panel would count other processes' hits as this one's (and count them again in
their rows). The watcher counts in this process instead, by swapping the cache's class for a
subclass whose `get` counts: `get`, `cache[key]`, `read` and the functions decorated with
`cache.memoize` all look up through `get` (a `FanoutCache`'s `cache[key]` goes to its shard and is
counted by the subclass's `__getitem__`).

- hits / misses: lookups in this process that find / do not find the key;
- entries / bytes: what the cache holds now (`len(cache)`, `cache.volume()`), shared by every
  process using the folder;
- evictions: `explicit` for `clear` from the panel; evictions by size or expiry happen inside
  diskcache and are not seen.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from ._common import Counters, Watched, stats_entry

__all__ = ["DiskcacheWatch", "is_diskcache_cache"]

_ABSENT = object()
_classes: dict[type, type] = {}
_classes_lock = threading.Lock()


def _cache_types() -> tuple[type, ...]:
    module = sys.modules.get("diskcache")
    if module is None:
        return ()
    return tuple(t for t in (getattr(module, "Cache", None), getattr(module, "FanoutCache", None)) if isinstance(t, type))


def is_diskcache_cache(obj: Any) -> bool:
    """Whether `obj` is a diskcache `Cache` or `FanoutCache` (without importing diskcache)."""
    types = _cache_types()
    return bool(types) and isinstance(obj, types)


def _count(counters: Counters, found: bool) -> None:
    with counters.lock:
        if found:
            counters.hits += 1
        else:
            counters.misses += 1


def _missing(value: Any) -> bool:
    return value is _ABSENT or (type(value) is tuple and len(value) > 0 and value[0] is _ABSENT)


def _counting_class(base: type) -> type:
    with _classes_lock:
        made = _classes.get(base)
        if made is not None:
            return made
        base_get = base.get
        base_getitem = base.__getitem__
        fanout = any(t.__name__ == "FanoutCache" for t in base.__mro__)

        def get(self: Any, key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
            value = base_get(self, key, _ABSENT, *args, **kwargs)
            found = not _missing(value)
            _count(self._cachelens_counters, found)
            if found:
                return value
            if value is _ABSENT:
                return default
            return (default, *value[1:])

        namespace: dict[str, Any] = {"__module__": base.__module__, "__qualname__": base.__qualname__, "get": get}
        if fanout:
            # FanoutCache's `cache[key]` asks its shard directly, not `self.get`

            def __getitem__(self: Any, key: Any) -> Any:
                try:
                    value = base_getitem(self, key)
                except KeyError:
                    _count(self._cachelens_counters, False)
                    raise
                _count(self._cachelens_counters, True)
                return value

            namespace["__getitem__"] = __getitem__
        made = type(base.__name__, (base,), namespace)
        _classes[base] = made
        return made


class DiskcacheWatch(Watched):
    """Reports a diskcache cache, counted in this process."""

    backend_type = "diskcache"

    def __init__(self, cache: Any, source_id: str, location: dict[str, Any] | None) -> None:
        options: dict[str, Any] = {"directory": str(getattr(cache, "directory", "") or "")}
        try:
            options["sizeLimit"] = int(cache.size_limit)
            options["evictionPolicy"] = str(cache.eviction_policy)
        except Exception:
            pass
        super().__init__(source_id, options, location)
        self.cache = cache
        existing = cache.__dict__.get("_cachelens_counters")
        if isinstance(existing, Counters):
            self.counters = existing
        else:
            cache.__dict__["_cachelens_counters"] = self.counters
            if type(cache) not in _classes.values():
                cache.__class__ = _counting_class(type(cache))

    def _snapshot(self) -> dict[str, Any]:
        return stats_entry(self.id, self.counters, entries=len(self.cache), size_bytes=self.cache.volume())

    def clear(self) -> bool:
        """`cache.clear()`; the entries it removed count as explicit evictions."""
        try:
            removed = int(self.cache.clear(retry=True) or 0)
        except Exception:
            return False
        with self.counters.lock:
            self.counters.explicit += removed
        return True
