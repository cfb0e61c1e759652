"""What every watcher shares: its counters and the row it reports.

A watcher counts in this process only. Its totals never decrease (docs/protocol.md 4): where the
library itself zeroes its counters (`lru_cache.cache_clear()`), the watcher keeps what was counted
before as a base and adds the library's new figures on top. A fork child starts from 0: it reports
as a stream of its own, and the panel adds the streams up.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any, Mapping

from ..errors import CacheLensError


class WatchError(CacheLensError, TypeError):
    """`watch` was given something it cannot watch (or a watched decorator was misused); the
    message names it and says what to write instead."""

__all__ = ["Counters", "Watched", "WatchError", "stats_entry"]


class Counters:
    """Cumulative counters of one watched cache, in this process.

    Plain integer fields, incremented where the library already holds its own lock (or by one
    thread), read by the reporter's thread. `lock` serializes the few updates made from several
    threads at once (Flask-Caching's request threads, diskcache).
    """

    __slots__ = ("hits", "misses", "errors", "size", "expired", "explicit", "compute_ms", "computed",
                 "saved_ms", "credited", "depth", "clearing", "lock")

    def __init__(self) -> None:
        self.hits = 0
        self.misses = 0
        self.errors = 0
        self.size = 0
        self.expired = 0
        self.explicit = 0
        self.compute_ms = 0.0
        self.computed = 0
        self.saved_ms = 0.0
        self.credited = 0
        self.depth = 0
        """Nesting of the watcher's own methods: only the outermost call counts."""
        self.clearing = 0
        """Inside `clear()`: entries the cache drops count as explicit evictions."""
        self.lock = threading.Lock()

    def reset(self) -> None:
        """In a fork child: every counter back to 0 and a fresh lock (the child reports as its
        own stream, docs/protocol.md 7.1, so it must not repeat the parent's counts)."""
        self.__init__()  # type: ignore[misc]

    def completed(self, elapsed_ms: float, failed: bool) -> None:
        """One computation finished after `elapsed_ms` milliseconds; credits the hits counted so
        far at the mean miss time in force before it (docs/protocol.md 3.1, `savedMs`)."""
        with self.lock:
            if self.computed:
                self.saved_ms += (self.hits - self.credited) * self.compute_ms / self.computed
            self.credited = self.hits
            self.compute_ms += elapsed_ms
            self.computed += 1
            if failed:
                self.errors += 1

    def saved(self) -> float:
        """`savedMs` as reported now (the uncredited hits at the current mean)."""
        if not self.computed:
            return self.saved_ms
        return self.saved_ms + (self.hits - self.credited) * self.compute_ms / self.computed


def stats_entry(source_id: str, counters: Counters, entries: int = 0, size_bytes: int = 0,
                hits: int | None = None, misses: int | None = None, size: int | None = None,
                explicit: int | None = None) -> dict[str, Any]:
    """The protocol's function stats entry (docs/protocol.md 3.1) for `counters`; `hits`,
    `misses`, `size` and `explicit` override the counters' own when the library counts them."""
    return {
        "id": source_id,
        "hits": counters.hits if hits is None else hits,
        "misses": counters.misses if misses is None else misses,
        "errors": counters.errors,
        "evictions": {
            "size": counters.size if size is None else size,
            "expired": counters.expired,
            "explicit": counters.explicit if explicit is None else explicit,
        },
        "entries": max(0, int(entries)),
        "bytes": max(0, int(size_bytes)),
        "computeMs": counters.compute_ms,
        "computed": counters.computed,
        "savedMs": counters.saved(),
        "staleServed": 0,
        "backendErrors": 0,
        "health": "ok",
    }


_watchers: "weakref.WeakSet[Watched]" = weakref.WeakSet()
_fork_hook = False


def _after_fork_in_child() -> None:
    for watcher in list(_watchers):
        try:
            watcher.after_fork_in_child()
        except Exception:
            pass  # a watcher that cannot restart keeps its figures; the child still runs


def _track(watcher: "Watched") -> None:
    """Remembers `watcher` for the fork hook (installed with the first watcher, not at import)."""
    global _fork_hook
    _watchers.add(watcher)
    if not _fork_hook:
        _fork_hook = True
        os.register_at_fork(after_in_child=_after_fork_in_child)


class Watched:
    """A `cachelens.registry.Reported` for a cache the app already has.

    Subclasses give `snapshot()`, and `clear()`/`delete_key()` where the library allows them.
    """

    backend_type = "watched"

    def __init__(self, source_id: str, options: Mapping[str, Any], location: Mapping[str, Any] | None) -> None:
        self._id = source_id
        self._options = dict(options)
        self._location = dict(location) if location else None
        self.counters = Counters()
        self._last: dict[str, Any] = stats_entry(source_id, self.counters)
        _track(self)

    def after_fork_in_child(self) -> None:
        """In a fork child: counts start again from 0 (the parent's stay the parent's)."""
        self.counters.reset()
        self._last = stats_entry(self._id, self.counters)

    @property
    def id(self) -> str:
        """The row's id, `<path relative to the app root>#<name>`."""
        return self._id

    def rename(self, source_id: str) -> None:
        """Gives the row another id (`watch(obj, id=...)` on a watched object)."""
        self._id = source_id

    def options(self) -> dict[str, Any]:
        """The options shown in the panel (scalars only)."""
        return {k: v for k, v in self._options.items() if v is None or isinstance(v, (str, int, float, bool))}

    def descriptor(self) -> dict[str, Any]:
        """The protocol's function descriptor (docs/protocol.md 3.1)."""
        out: dict[str, Any] = {
            "id": self._id,
            "backend": self.backend_type,
            "backendType": self.backend_type,
            "options": self.options(),
        }
        if self._location:
            out["location"] = dict(self._location)
        return out

    def snapshot(self) -> dict[str, Any]:
        """Cumulative figures now; never raises (a failed read repeats the last figures)."""
        try:
            self._last = self._snapshot()
        except Exception:
            pass
        return self._last

    def _snapshot(self) -> dict[str, Any]:
        """The figures now (each watcher's own reading)."""
        return stats_entry(self._id, self.counters)

    def clear(self) -> bool:
        """Empties the cache; False when the library gives no way to."""
        return False

    def delete_key(self, key: str) -> bool | None:
        """Watched caches do not print their keys: deleting one key is unsupported (None)."""
        return None

