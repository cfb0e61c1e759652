"""Shared connections: one connection per backend settings (equal settings, one connection), used
by every function's store of that backend in this process and closed when the last of those
stores is closed. The Redis and Memcached stores both count their users here."""

from __future__ import annotations

import threading
from typing import Callable, Generic, Hashable, Protocol, TypeVar

__all__ = ["SharedConnection", "Lease", "SharedConnections"]


class SharedConnection(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=SharedConnection)


class Lease(Generic[C]):
    """One store's hold on a shared connection; `release()` once (the last one closes it)."""

    def __init__(self, owner: "SharedConnections[C]", key: Hashable, connection: C) -> None:
        self._owner = owner
        self._key = key
        self.connection = connection
        self._released = False

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        self._owner._release(self._key)


class SharedConnections(Generic[C]):
    """The connections of one kind of backend, by settings key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[Hashable, list] = {}  # key -> [connection, users]

    def acquire(self, key: Hashable, open_connection: Callable[[], C]) -> Lease[C]:
        with self._lock:
            held = self._held.get(key)
            if held is None:
                held = self._held[key] = [open_connection(), 0]
            held[1] += 1
            return Lease(self, key, held[0])

    def _release(self, key: Hashable) -> None:
        with self._lock:
            held = self._held.get(key)
            if held is None:
                return
            held[1] -= 1
            if held[1] > 0:
                return
            del self._held[key]
        try:
            held[0].close()
        except Exception:
            pass
