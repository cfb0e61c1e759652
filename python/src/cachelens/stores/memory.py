"""The `memory` backend: a bounded, thread-safe in-process store with per-entry TTLs.

- **Bound**: at most `max` entries (default 1000; `inf` for none). When full, the least recently
  used entry leaves, approximated by the second-chance (CLOCK) rule: entries wait in insertion
  order, a hit marks its entry, and an entry marked since it last reached the front goes back to
  the end once (unmarked) instead of leaving. A hit therefore costs a flag write, not a reorder.
- **Expiry**: an entry is live while `now < expires_at` (the function's clock). An entry met past
  its expiry, however it is met (read, write, delete, clear, eviction, or `entries()` reading the
  gauge), is counted once as `evicted("expired")`, so reading the statistics changes no figure.
- **Size**: `bytes()` is an estimate: `sys.getsizeof` of each key and value (shallow).
- **Threads**: reads take no lock; every change takes the store's lock.

The memoize layer's hit path reads `data` directly (see `direct()`): each entry is a list
`[value, expires_at or None, used, size]`, `expires_at` in the units of the clock `direct()` names.
"""

from __future__ import annotations

import math
import sys
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, Mapping

from ..clock import expiry_clock
from ..config import DEFAULT_MAX
from ..errors import ConfigError
from ..limits import entries_problem
from .base import MISS, Health, StoreContext

__all__ = ["MemoryStore", "create"]

_VALUE, _EXPIRES, _USED, _SIZE = 0, 1, 2, 3


class MemoryStore:
    """Entries of one memoized function (or one instance of a method) in this process."""

    kind = "memory"
    shared = False

    def __init__(self, context: StoreContext, max_entries: float = DEFAULT_MAX) -> None:
        """`max_entries`: an integer from 1 to 2**24, or `math.inf` (unbounded)."""
        problem = entries_problem(max_entries, True)
        if problem is not None:
            raise ConfigError(f"cachelens: memory backend of {context.namespace}: max {problem}")
        self._max = max_entries
        self._events = context.events
        self._now, self._per_ms = expiry_clock(context.now)
        self._lock = threading.Lock()
        self._data: OrderedDict[Hashable, list[Any]] = OrderedDict()
        self._bytes = 0

    def direct(self) -> tuple[Mapping[Hashable, list[Any]], Callable[[], float]]:
        """The entries (read them, never change them) and the clock their `expires_at` is in."""
        return self._data, self._now

    @property
    def max(self) -> float:
        """The bound, in entries."""
        return self._max

    def get(self, key: Hashable) -> Any:
        entry = self._data.get(key)
        if entry is None:
            return MISS
        expires = entry[_EXPIRES]
        if expires is not None and not self._now() < expires:
            self._remove_expired(key, entry)
            return MISS
        entry[_USED] = True
        return entry[_VALUE]

    def _remove_expired(self, key: Hashable, entry: list[Any]) -> None:
        with self._lock:
            if self._data.get(key) is entry:
                del self._data[key]
                self._bytes -= entry[_SIZE]
            else:
                return  # another thread counted it
        self._events.evicted("expired")

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        size = sys.getsizeof(value, 0) + sys.getsizeof(key, 0)
        expired = size_evicted = 0
        with self._lock:
            now = self._now()
            expires = None if ttl_ms is None or math.isinf(ttl_ms) else now + ttl_ms * self._per_ms
            data = self._data
            old = data.pop(key, None)
            if old is not None:
                self._bytes -= old[_SIZE]
                if old[_EXPIRES] is not None and not now < old[_EXPIRES]:
                    expired += 1
            while len(data) >= self._max:
                victim_key = next(iter(data))
                victim = data[victim_key]
                if victim[_EXPIRES] is not None and not now < victim[_EXPIRES]:
                    expired += 1
                elif victim[_USED]:
                    victim[_USED] = False
                    data.move_to_end(victim_key)
                    continue
                else:
                    size_evicted += 1
                del data[victim_key]
                self._bytes -= victim[_SIZE]
            data[key] = [value, expires, False, size]
            self._bytes += size
        if expired:
            self._events.evicted("expired", expired)
        if size_evicted:
            self._events.evicted("size", size_evicted)

    def delete(self, key: Hashable) -> bool:
        with self._lock:
            entry = self._data.pop(key, None)
            if entry is None:
                return False
            self._bytes -= entry[_SIZE]
            live = entry[_EXPIRES] is None or self._now() < entry[_EXPIRES]
        self._events.evicted("explicit" if live else "expired")
        return live

    def clear(self) -> bool:
        with self._lock:
            now = self._now()
            expired = sum(1 for e in self._data.values() if e[_EXPIRES] is not None and not now < e[_EXPIRES])
            explicit = len(self._data) - expired
            self._data.clear()
            self._bytes = 0
        if expired:
            self._events.evicted("expired", expired)
        if explicit:
            self._events.evicted("explicit", explicit)
        return True

    def _purge(self) -> None:
        """Removes the entries past their expiry (each counted `expired`)."""
        with self._lock:
            now = self._now()
            gone = [k for k, e in self._data.items() if e[_EXPIRES] is not None and not now < e[_EXPIRES]]
            for k in gone:
                self._bytes -= self._data.pop(k)[_SIZE]
        if gone:
            self._events.evicted("expired", len(gone))

    def entries(self) -> int:
        self._purge()
        return len(self._data)

    def bytes(self) -> int:
        self._purge()
        return max(0, self._bytes)

    def health(self) -> Health:
        return "ok"

    def close(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0


def create(config: Mapping[str, Any], context: StoreContext) -> MemoryStore:
    """The `memory` backend's factory: `config["max"]` entries (default 1000; `inf`: unbounded).
    The memoize layer gives the resolved `max`; `maxBytes` and policies other than `"lru"` are
    refused by the config resolution before this is called."""
    for key in config:
        if key not in ("type", "max", "ttl", "policy"):
            raise ConfigError(
                f'cachelens: memory backend of {context.namespace}: option "{key}": '
                "the Python runtime does not support it; remove it"
            )
    return MemoryStore(context, config.get("max", DEFAULT_MAX))
