"""A function's generation as this process knows it: read from the server once, then served from
memory and re-read at most every `refresh_ms` (Redis also pushes new generations over pub/sub).
With `refresh_ms` 0 every operation reads it first (one more round trip, and another process's
clear is seen at once). None: the server could not be asked (the operation is then a miss)."""

from __future__ import annotations

import threading
import time
from typing import Callable

__all__ = ["GenerationCache"]


class GenerationCache:
    """Thread-safe; `fetch()` returns the server's generation or None (failures are reported by it)."""

    def __init__(self, refresh_ms: float, fetch: Callable[[], str | None]) -> None:
        self.refresh_ms = refresh_ms
        self._fetch_from_server = fetch
        self._lock = threading.Lock()
        self.value: str | None = None
        self._at = -float("inf")
        self._updates = 0

    def current(self) -> str | None:
        """The generation now, re-read when older than `refresh_ms`."""
        value = self.value
        if value is not None and self.refresh_ms > 0 and time.monotonic() * 1000 - self._at <= self.refresh_ms:
            return value
        return self._fetch()

    @property
    def at(self) -> float:
        """When the value was last read or learnt (monotonic ms); -inf after `stale()`."""
        return self._at

    def update(self, value: str) -> None:
        """A generation learnt otherwise (our own clear, a pub/sub message)."""
        with self._lock:
            self.value = value
            self._at = time.monotonic() * 1000
            self._updates += 1

    def stale(self) -> None:
        """Forces a re-read on next use (messages may have been missed)."""
        self._at = -float("inf")

    def _fetch(self) -> str | None:
        updates = self._updates
        fetched = self._fetch_from_server()
        if fetched is None:
            return None
        with self._lock:
            # A clear learnt while this read was in flight is newer than what was read.
            if self._updates == updates:
                self.value = fetched
                self._at = time.monotonic() * 1000
            return self.value
