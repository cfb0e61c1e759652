"""The `memcached` backend: a memoized function's entries in Memcached, through pymemcache.

Config entry (the shared schema; values already interpolated):

| field | unit / type | default | meaning |
| --- | --- | --- | --- |
| `servers` | `"host:port"`, `"host:port,host:port"` or a list of them | `"127.0.0.1:11211"` | the servers; several are one pool sharded by key (pymemcache's `HashClient`: a failing server's keys move to the others for `breaker.openMs`) |
| `keyPrefix` | printable ASCII, at most 100 characters | `"cachelens:"` | prepended to every key |
| `commandTimeoutMs` | ms | 500 | bound on one operation, and on connecting |
| `breaker.failureThreshold`, `breaker.openMs` | count, ms | 5, 1000 | the circuit breaker (`remote/breaker.py`) |
| `generationRefreshMs` | ms | 1000 | how late another process's clear is seen at most (Memcached has no pub/sub); 0 = read the generation before every operation |
| `compressAboveBytes`, `maxValueBytes`, `allowClassInstances` | bytes, bytes, boolean | 16384, 1048576, false | the value format (`remote/codec.py`: pickle) |

Refused with a `ConfigError`: SASL credentials in `servers` (`user:pass@host:port`; pymemcache
speaks the text protocol, which has none).

Keys: the scheme of `remote/keys.py` within Memcached's 250 bytes (long or unprintable parts are
hashed). TTLs are whole seconds, rounded up; one over 30 days is sent as an absolute Unix time,
since Memcached reads any expiry above 2,592,000 s as one. A clear increments the function's
generation counter (`incr`, created with `add` at the current time in ms when missing; should
Memcached evict the counter, it restarts at the current time, so old keys never come back).
Unconfirmed clears and deletes are retried in the background (`remote/pending.py`); fails open
(`remote/store.py`, `remote/breaker.py`). Value format and what it trusts: `remote/codec.py`.
"""

from __future__ import annotations

import math
import re
import socket
import time
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import BackendError
from .base import StoreContext
from .remote.breaker import Breaker, read_breaker_options
from .remote.codec import Codec
from .remote.keys import initial_generation
from .remote.options import BackendOptions
from .remote.shared import SharedConnections
from .remote.store import RemoteConnection, RemoteStore

__all__ = ["MemcachedStore", "MemcachedSettings", "create", "memcached_expiry"]

RELATIVE_TTL_LIMIT_S = 30 * 24 * 3600
"""Memcached reads an expiry above this many seconds as an absolute Unix time."""

_PREFIX = re.compile(r"[\x21-\x7e]{0,100}")
_SERVER = re.compile(r"(\[[0-9a-fA-F:.]+\]|[^:\s,@/]+):([0-9]{1,5})")


def memcached_expiry(ttl_ms: float | None, now_s: float) -> int:
    """The expiry to send for a TTL in ms: 0 (none), whole seconds, or an absolute time past 30 days."""
    if ttl_ms is None:
        return 0
    seconds = max(1, math.ceil(ttl_ms / 1000))
    return seconds if seconds <= RELATIVE_TTL_LIMIT_S else int(now_s) + seconds


@dataclass(frozen=True)
class MemcachedSettings:
    """The validated connection options of a `memcached` entry; equal settings share a connection."""

    servers: tuple[tuple[str, int], ...]
    prefix: str
    timeout_ms: float
    refresh_ms: float
    threshold: int
    open_ms: float

    @staticmethod
    def read(options: BackendOptions) -> "MemcachedSettings":
        raw = options.raw("servers")
        if raw is None:
            listed = ["127.0.0.1:11211"]
        elif isinstance(raw, str):
            listed = [part.strip() for part in raw.split(",")]
        elif isinstance(raw, list) and all(isinstance(part, str) for part in raw):
            listed = [p.strip() for part in raw for p in part.split(",")]
        else:
            raise options.error("servers", f'must be "host:port[,host:port]" or a list of them, got {raw!r}')
        servers: list[tuple[str, int]] = []
        for part in listed:
            if "@" in part:
                raise options.error("servers", "has credentials (user:pass@host:port): SASL is not supported by the "
                                               "Python runtime (pymemcache speaks the text protocol); remove them")
            m = _SERVER.fullmatch(part)
            if m is None or not 0 < int(m.group(2)) < 65536:
                raise options.error("servers", f'has {part!r}, expected "host:port" such as "127.0.0.1:11211"')
            servers.append((m.group(1).strip("[]"), int(m.group(2))))
        if not servers:
            raise options.error("servers", 'lists no server: give "host:port"')
        prefix = options.string("keyPrefix", "cachelens:")
        if not _PREFIX.fullmatch(prefix):
            raise options.error("keyPrefix", f"must be at most 100 printable ASCII characters without spaces "
                                             f"(Memcached keys allow no more), got {prefix!r}")
        timeout = options.ms("commandTimeoutMs", 500, minimum=1)
        refresh = options.ms("generationRefreshMs", 1000, minimum=0)
        threshold, open_ms = read_breaker_options(options)
        return MemcachedSettings(tuple(servers), prefix, timeout, refresh, threshold, open_ms)


def _load_pymemcache() -> Any:
    try:
        from pymemcache.client.base import PooledClient
        from pymemcache.client.hash import HashClient
        from pymemcache import exceptions
    except ImportError as exc:
        raise BackendError(
            "the memcached backend needs the pymemcache package, which is not installed: "
            "pip install 'cachelens[memcached]' (Debian: apt install python3-pymemcache)"
        ) from exc
    return PooledClient, HashClient, exceptions


class MemcachedConnection(RemoteConnection):
    """One pymemcache client (a pool of sockets) for every function's store of one settings."""

    def __init__(self, settings: MemcachedSettings) -> None:
        timeouts = (socket.timeout, TimeoutError)
        breaker = Breaker("memcached", settings.threshold, settings.open_ms, settings.timeout_ms, timeouts)
        super().__init__(settings.prefix, settings.refresh_ms, breaker)
        self.settings = settings
        self.client = self._new_client()
        self._probe_key = settings.prefix + ":probe"
        # pymemcache reconnects on the next command and tells nothing: while the breaker is open, a
        # read of a key never written tells when the server is back.
        breaker.watch_recovery(lambda: self.client.get(self._probe_key))

    def _new_client(self) -> Any:
        pooled, hashed, _ = _load_pymemcache()
        settings = self.settings
        seconds = settings.timeout_ms / 1000
        common = dict(connect_timeout=seconds, timeout=seconds, no_delay=True, default_noreply=False)
        if len(settings.servers) == 1:
            return pooled(settings.servers[0], **common)
        return hashed(list(settings.servers), use_pooling=True, retry_attempts=0,
                      dead_timeout=settings.open_ms / 1000, ignore_exc=False, **common)

    def after_fork(self) -> None:
        # pymemcache knows nothing of forks: the parent's pooled sockets must not be shared (two
        # processes reading one socket take each other's replies). They are dropped unclosed (the
        # parent's stay open) and the child connects anew.
        self.client = self._new_client()

    def close(self) -> None:
        super().close()
        try:
            self.client.close()
        except Exception:
            pass


memcached_connections: SharedConnections[MemcachedConnection] = SharedConnections()


class MemcachedStore(RemoteStore):
    """The entries of one memoized function on Memcached."""

    kind = "memcached"

    def __init__(self, settings: MemcachedSettings, codec: Codec, context: StoreContext) -> None:
        self._lease = memcached_connections.acquire(settings, lambda: MemcachedConnection(settings))
        self.connection: MemcachedConnection = self._lease.connection
        try:
            super().__init__(self.connection, codec, context, 250)
        except BaseException:
            self._lease.release()
            raise

    def _read(self, key: str) -> bytes | None:
        return self.connection.client.get(key)

    def _write(self, key: str, data: bytes, ttl_ms: float | None) -> None:
        if not self.connection.client.set(key, data, expire=memcached_expiry(ttl_ms, time.time()), noreply=False):
            raise BackendError(f"memcached refused to store {key!r} (is the value larger than the server's item size?)")

    def _remove(self, key: str) -> int:
        return 1 if self.connection.client.delete(key, noreply=False) else 0

    def _read_generation(self) -> str:
        client = self.connection.client
        key = self.keys.generation_key
        current = client.get(key)
        if current is None:
            client.add(key, initial_generation(), expire=0, noreply=False)
            current = client.get(key)
            if current is None:
                raise BackendError("memcached lost the generation counter as it was created")
        return current.decode("ascii")

    def _next_generation(self) -> str:
        client = self.connection.client
        key = self.keys.generation_key
        value = client.incr(key, 1, noreply=False)
        if value is None:
            # Missing (never made, or evicted): create it; of two processes creating it, the
            # loser's add is refused and its incr below counts.
            client.add(key, initial_generation(), expire=0, noreply=False)
            value = client.incr(key, 1, noreply=False)
            if value is None:
                raise BackendError("memcached refused to increment the generation counter")
        return str(int(value))

    def _release(self) -> None:
        self._lease.release()


def create(config: Mapping[str, Any], context: StoreContext) -> MemcachedStore:
    """The store of one function for a `"type": "memcached"` entry. Raises `ConfigError` naming a
    bad or unsupported field; never fails because the server is down (the store then fails open)."""
    options = BackendOptions(str(config.get("type", "memcached")), config)
    settings = MemcachedSettings.read(options)
    codec = Codec(options)
    options.finish()
    return MemcachedStore(settings, codec, context)
