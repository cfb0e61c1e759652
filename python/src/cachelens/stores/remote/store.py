"""What the Redis and Memcached stores share: the flow of every operation over a remote server.

- Keys: `KeyScheme` (prefix, namespace, generation, key; long or unprintable parts hashed).
- `get`: a miss without I/O while an invalidation of the key is pending; else the generation (from
  memory, re-read every `generationRefreshMs`), then the value; a value that does not decode is a
  miss (reported).
- `set`: the value is encoded first (pickle, see `codec.py`); one that cannot be is reported and
  not stored. TTLs are kept by the server.
- `delete` / `clear`: a clear starts a new generation (every process stops reading the old keys);
  what the server does not confirm is retried in the background (`pending.py`) and `clear()`
  returns False; meanwhile this process neither reads nor writes what it covers.
- Every server operation runs through the connection's breaker (`breaker.py`): a failure is
  reported once and answered as a miss or a dropped write, never raised.
- Expiry is the server's: an entry it expired is never met by this process, so it is never
  counted as `evicted("expired")` (the in-process stores count expiry exactly).
- `entries()` and `bytes()` are 0: counting one function's keys would need a scan of the server.

Subclasses implement the five server operations (`_read`, `_write`, `_remove`,
`_read_generation`, `_next_generation`) as plain calls that raise on failure.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Hashable, TypeVar

from ..base import MISS, Health, StoreContext
from .breaker import Breaker
from .codec import Codec
from .generation import GenerationCache
from .keys import KeyScheme
from .pending import PendingInvalidations

__all__ = ["RemoteConnection", "RemoteStore"]

T = TypeVar("T")


class RemoteConnection:
    """What a remote store needs of its connection; the Redis and Memcached connections extend it.
    One per backend settings, shared by every function's store (see `shared.py`)."""

    def __init__(self, prefix: str, refresh_ms: float, breaker: Breaker) -> None:
        self.prefix = prefix
        self.refresh_ms = refresh_ms
        self.breaker = breaker
        self.lock = threading.Lock()
        self.generations: dict[str, GenerationCache] = {}
        self.pendings: dict[str, PendingInvalidations] = {}
        self._pid = os.getpid()
        breaker.on_recovered = self.kick

    def check_process(self) -> None:
        """Called by every operation: in a forked child (a gunicorn worker, a multiprocessing
        child), fresh locks and timers, since neither the parent's threads nor its held locks
        survive a fork."""
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self.lock = threading.Lock()
        self.breaker.after_fork()
        for pending in list(self.pendings.values()):
            pending.after_fork()
        self.after_fork()

    def after_fork(self) -> None:
        """What a backend's connection renews in a forked child (its client, its threads)."""

    @property
    def health(self) -> Health:
        return self.breaker.health

    def kick(self) -> None:
        """The server answered again: retry every pending invalidation now."""
        for pending in list(self.pendings.values()):
            pending.kick()

    def close(self) -> None:
        for pending in list(self.pendings.values()):
            pending.close()
        self.breaker.close()


class RemoteStore:
    """The entries of one function on a remote server."""

    kind = "remote"
    shared = True

    def __init__(self, connection: RemoteConnection, codec: Codec, context: StoreContext, key_limit: int,
                 retry_max_delay_ms: float = 1000) -> None:
        self._conn = connection
        self._codec = codec
        self._events = context.events
        self._ns = context.namespace
        self.keys = KeyScheme(connection.prefix, context.namespace, key_limit)
        with connection.lock:
            gen = connection.generations.get(self._ns)
            if gen is None:
                gen = connection.generations[self._ns] = GenerationCache(connection.refresh_ms, self._fetch_generation)
            pending = connection.pendings.get(self._ns)
            if pending is None:
                pending = connection.pendings[self._ns] = PendingInvalidations(self._apply, max_delay_ms=retry_max_delay_ms)
        self._gen = gen
        self._pending = pending
        self._closed = False

    # -- server operations, implemented by each backend; they raise on failure --

    def _read(self, key: str) -> bytes | None:
        raise NotImplementedError

    def _write(self, key: str, data: bytes, ttl_ms: float | None) -> None:
        raise NotImplementedError

    def _remove(self, key: str) -> int:
        raise NotImplementedError

    def _read_generation(self) -> str:
        """The function's generation, created at `initial_generation()` when missing."""
        raise NotImplementedError

    def _next_generation(self) -> str:
        """Increments the function's generation (creating it first when missing); the new one."""
        raise NotImplementedError

    def _announce(self, keys: list[str] | None, generation: str | None, retry: bool) -> bool:
        """Tells other processes (Redis pub/sub); True when the server took the message."""
        return True

    # -- the flow --

    def _run(self, op: str, operation: Callable[[], T], fallback: T, retry: bool = False) -> T:
        """Through the breaker; a background retry instead goes past an open breaker (a retry every
        few hundred ms is itself the probe), unreported, and closes the breaker when it succeeds."""
        if not retry:
            return self._conn.breaker.run(self._events, op, operation, fallback)
        try:
            result = operation()
        except Exception:
            return fallback
        self._conn.breaker.note_recovered()
        return result

    def _fetch_generation(self) -> str | None:
        return self._run("GET generation", self._read_generation, None)

    def _data_key(self, key: str) -> str | None:
        generation = self._gen.current()
        return None if generation is None else self.keys.data(generation, key)

    @property
    def invalidation_pending(self) -> bool:
        """True while a clear or delete the server did not confirm is being retried."""
        return self._pending.pending

    def wait_invalidations(self, timeout_s: float) -> bool:
        """Waits at most `timeout_s` for the pending invalidations to be confirmed (tests, shutdown)."""
        return self._pending.wait(timeout_s)

    def get(self, key: Hashable) -> Any:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        return self.fetch(key)[0]

    def fetch(self, key: str) -> tuple[Any, float | None]:
        """The value (or MISS) and, where the server tells it in the same round trip, the ms it
        has left to live (None: no expiry, or not known)."""
        self._conn.check_process()
        if self._pending.blocks(key):
            return MISS, None
        data_key = self._data_key(key)
        if data_key is None:
            return MISS, None
        data, ttl_ms = self._run("GET", lambda: self._read_entry(data_key), (None, None))
        if data is None:
            return MISS, None
        return self._codec.decode_or_miss(data, self._events), ttl_ms

    def _read_entry(self, key: str) -> tuple[bytes | None, float | None]:
        """The stored bytes and the ms they have left (None: unknown or none)."""
        return self._read(key), None

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        self.store(key, value, ttl_ms)

    def store(self, key: str, value: Any, ttl_ms: float | None) -> bool:
        """`set`, answering whether the server now holds the value (the two-tier store keeps in L1
        only what Redis holds, and announces only writes that happened). Failures are reported."""
        self._conn.check_process()
        if self._pending.blocks(key):
            return False
        data = self._codec.encode_or_report(value, self._ns, self._events)
        if data is None:
            return False
        data_key = self._data_key(key)
        if data_key is None:
            return False
        ttl = ttl_ms if ttl_ms is not None and ttl_ms > 0 else None

        def write() -> bool:
            self._write(data_key, data, ttl)
            return True

        return self._run("SET", write, False)

    @property
    def generation_at(self) -> float:
        """When this process last read or learnt the function's generation (monotonic ms)."""
        return self._gen.at

    def generation_stale(self) -> None:
        """Has the generation re-read on next use."""
        self._gen.stale()

    def delete(self, key: Hashable) -> bool:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        self._conn.check_process()
        return self._pending.delete(key, lambda: self._delete_keys([key], False)) > 0

    def clear(self) -> bool:
        self._conn.check_process()
        return self._pending.attempt()

    def _apply(self, clear: bool, keys: list[str], retry: bool) -> bool:
        if not clear:
            return self._delete_keys(keys, retry)[1]
        generation = self._run("INCR generation", self._next_generation, None, retry)
        if generation is None:
            return False
        self._gen.update(generation)
        return self._announce(None, generation, retry)

    def _delete_keys(self, keys: list[str], retry: bool) -> tuple[int, bool]:
        generation = self._gen.current() if not retry else self._run("GET generation", self._read_generation, None, True)
        if generation is None:
            return 0, False
        removed = 0
        for key in keys:
            data_key = self.keys.data(generation, key)
            n = self._run("DEL", lambda: self._remove(data_key), -1, retry)
            if n < 0:
                return removed, False
            removed += n
        if removed:
            self._events.evicted("explicit", removed)
        return removed, self._announce(keys, None, retry)

    def entries(self) -> int:
        return 0

    def bytes(self) -> int:
        return 0

    def health(self) -> Health:
        return self._conn.health

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._release()

    def _release(self) -> None:
        raise NotImplementedError
