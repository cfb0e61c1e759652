"""The caches this process reports, memoized or watched, in one place.

Anything that can be shown as a row in the panel is a `Reported`: a memoized function, a watched
`lru_cache`, a Flask-Caching function. The memoize layer and the watchers register them here; the
reporter (`cachelens.reporter`) reads them on its own thread, on its timer, never on a call path.

Registering the first source starts the reporter when `CACHELENS_ENDPOINT` is set (and does
nothing at all when it is not: no thread, no socket). Nothing happens at import time.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

__all__ = ["Reported", "register", "unregister", "sources", "find", "on_register", "reset_after_fork"]


@runtime_checkable
class Reported(Protocol):
    """One row of the panel, as the reporter sees it."""

    @property
    def id(self) -> str:
        """The stable id, `<path relative to the app root>#<qualified name>`."""

    def descriptor(self) -> Mapping[str, Any]:
        """The protocol's function descriptor (docs/protocol.md 3.1):
        `id`, `backend`, `backendType`, `options` (scalars), optional `location`
        (`{"file": str, "line": int}`)."""

    def snapshot(self) -> Mapping[str, Any]:
        """The protocol's function stats entry (docs/protocol.md 3.1) now, cumulative since the
        process started (or since the fork that started this process's counters): `id`, `hits`,
        `misses`, `errors`, `evictions` {size, expired, explicit}, `entries`, `bytes`,
        `computeMs`, `computed`, `savedMs`, `staleServed`, `backendErrors`, `health`.
        Cheap, thread-safe, never raises (the reporter swallows what it raises anyway)."""

    def clear(self) -> bool:
        """Empties the cache (the panel's Clear). True when done and confirmed."""

    def delete_key(self, key: str) -> bool | None:
        """Removes one entry by its printed key; None when unsupported."""


_lock = threading.Lock()
_sources: dict[str, Reported] = {}
_listeners: list[Callable[[Reported], None]] = []


def register(source: Reported) -> None:
    """Adds (or replaces, by id) a reported cache and tells the listeners; starts the reporter
    when CACHELENS_ENDPOINT is set (one environment lookup when it is not)."""
    with _lock:
        _sources[source.id] = source
        listeners = list(_listeners)
    _start_reporting()
    for listener in listeners:
        try:
            listener(source)
        except Exception:  # a listener never breaks the caller
            pass


def _start_reporting() -> None:
    if not os.environ.get("CACHELENS_ENDPOINT"):
        return
    try:
        from .reporter import ensure_started

        ensure_started()
    except Exception:  # reporting never breaks the caller
        pass


def unregister(source_id: str) -> None:
    """Forgets a reported cache (a test, a watcher removed)."""
    with _lock:
        _sources.pop(source_id, None)


def sources() -> list[Reported]:
    """Every reported cache, in registration order (a copy)."""
    with _lock:
        return list(_sources.values())


def find(source_id: str) -> Reported | None:
    """The reported cache with this id, if any."""
    with _lock:
        return _sources.get(source_id)


def on_register(listener: Callable[[Reported], None]) -> None:
    """Calls `listener(source)` for every later `register` (the reporter's hook)."""
    with _lock:
        _listeners.append(listener)


def reset_after_fork() -> None:
    """In a forked child: a fresh lock (the parent's may have been held at fork time)."""
    global _lock
    _lock = threading.Lock()
