"""The `lru` backend: an in-process, thread-safe least-recently-used cache with per-entry expiry and
an optional byte bound, for when a strict, well-known LRU order is wanted.

Config entry: `max` (entries, an integer from 1 to 16,777,216, default 1000; `Infinity` is refused:
use `memory`), `maxBytes` (approximate bytes, or `"64MB"`; default none: sizes are then not
estimated), `ttl` (read by the memoize layer, which passes each entry's TTL to `set`).

Expiry is counted exactly on the function's clock: an entry met past its expiry (read, written
over, deleted, cleared, or in the way of an eviction) is counted once as `evicted("expired")`;
expired entries are purged before every write, delete, clear and gauge reading, so an eviction
for room (`"size"`) or a delete (`"explicit"`) never counts one.
"""

from __future__ import annotations

import math
import sys
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, Mapping

from ..limits import MAX_ENTRIES
from .base import MISS, Health, StoreContext, StoreEvents
from .remote.options import BackendOptions

__all__ = ["LruStore", "create", "approx_bytes", "read_lru_options"]



def approx_bytes(value: Any, budget: int = 1000) -> int:
    """An estimate of the memory `value` holds: `sys.getsizeof` of it and, for containers, of what
    they hold, over at most `budget` objects (a bounded walk; shared objects counted once)."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack and budget > 0:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        budget -= 1
        try:
            total += sys.getsizeof(item)
        except Exception:
            total += 64
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif hasattr(item, "__dict__") and isinstance(getattr(item, "__dict__", None), dict):
            stack.append(item.__dict__)
    return total


class LruStore:
    """The entries of one function, in least-recently-used order. Thread-safe."""

    kind = "lru"
    shared = False

    def __init__(self, max_entries: int, max_bytes: int | None, now: Callable[[], float], events: StoreEvents) -> None:
        self._max = max_entries
        self._max_bytes = max_bytes
        self._now = now
        self._events = events
        self._lock = threading.RLock()
        # key -> (value, expires_at or None, bytes)
        self._entries: OrderedDict[Hashable, tuple[Any, float | None, int]] = OrderedDict()
        self._bytes = 0
        self._next_expiry = math.inf  # no entry expires before this (exact after each purge)

    def get(self, key: Hashable) -> Any:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return MISS
            expires = entry[1]
            if expires is not None and self._now() >= expires:
                self._drop(key, entry)
                self._events.evicted("expired")
                return MISS
            self._entries.move_to_end(key)
            return entry[0]

    def peek(self, key: Hashable) -> Any:
        """The live value without touching the order (or MISS)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or (entry[1] is not None and self._now() >= entry[1]):
                return MISS
            return entry[0]

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        size = approx_bytes(value) if self._max_bytes is not None else 0
        with self._lock:
            now = self._now()
            self._purge(now)
            expires = now + ttl_ms if ttl_ms is not None and ttl_ms > 0 else None
            if expires is not None and expires < self._next_expiry:
                self._next_expiry = expires
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            if self._max_bytes is not None and size > self._max_bytes:
                return  # larger than the whole cache: not kept
            self._entries[key] = (value, expires, size)
            self._bytes += size
            evicted = 0
            while len(self._entries) > self._max or (self._max_bytes is not None and self._bytes > self._max_bytes):
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                evicted += 1
            if evicted:
                self._events.evicted("size", evicted)

    def delete(self, key: Hashable) -> bool:
        with self._lock:
            self._purge(self._now())
            entry = self._entries.get(key)
            if entry is None:
                return False
            self._drop(key, entry)
            self._events.evicted("explicit")
            return True

    def clear(self) -> bool:
        with self._lock:
            self._purge(self._now())
            self._entries.clear()
            self._bytes = 0
            self._next_expiry = math.inf
        return True

    def entries(self) -> int:
        with self._lock:
            self._purge(self._now())
            return len(self._entries)

    def bytes(self) -> int:
        with self._lock:
            self._purge(self._now())
            return self._bytes

    def health(self) -> Health:
        return "ok"

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: Hashable, entry: tuple[Any, float | None, int]) -> None:
        del self._entries[key]
        self._bytes -= entry[2]

    def _purge(self, now: float) -> None:
        """Removes (and counts) every expired entry, once the earliest expiry has passed."""
        if now < self._next_expiry:
            return
        expired = [key for key, (_, expires, _) in self._entries.items() if expires is not None and now >= expires]
        for key in expired:
            self._drop(key, self._entries[key])
        if expired:
            self._events.evicted("expired", len(expired))
        self._next_expiry = min((e for _, e, _ in self._entries.values() if e is not None), default=math.inf)


def read_lru_options(options: BackendOptions, default_max: int = 1000) -> tuple[int, int | None]:
    """`max` and `maxBytes` of an entry (or of the two-tier store's `l1`)."""
    max_entries = options.whole("max", default_max, minimum=1, maximum=MAX_ENTRIES)
    assert max_entries is not None
    return max_entries, options.size("maxBytes", None)


def create(config: Mapping[str, Any], context: StoreContext) -> LruStore:
    """The store of one function for a `"type": "lru"` entry (the memoize layer passes its resolved
    `max` and `maxBytes` in it). Raises `ConfigError` naming a bad field."""
    options = BackendOptions(str(config.get("type", "lru")), config)
    max_entries, max_bytes = read_lru_options(options)
    options.raw("ttl")  # the memoize layer's: it passes each entry's TTL to set()
    options.finish()
    return LruStore(max_entries, max_bytes, context.now, context.events)
