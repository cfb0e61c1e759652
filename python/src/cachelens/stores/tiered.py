"""The `tiered` backend: an in-process L1 (an `LruStore` per function) in front of the Redis store
(L2), kept coherent across processes and replicas by Redis pub/sub: the several-replicas case
(gunicorn workers, pods of one deployment), where each process answers hot keys from memory and a
clear or delete in any of them reaches all.

Config entry: every field of the `redis` backend (see `redis.py`), plus
`l1.max` (entries per function, default 1000), `l1.maxBytes` (approximate bytes per function,
default none) and `l1.ttlMs` (ms, default 10000: the longest an entry stays in L1, whatever its TTL
in Redis: the bound on staleness should an invalidation message be lost). `invalidation: false` is
refused (L1 would go stale).

- Reads: L1, else Redis (the value is then kept in L1, unless an invalidation of the function
  arrived during the read, or invalidations are not being received now).
- Writes go to Redis, then a message tells every other process to drop the key from its L1; this
  process keeps the value in L1 only once Redis holds it (no process hits on a value the others
  recompute; a write Redis did not take is counted once and neither kept nor announced).
- Deletes and clears drop the key (the whole L1) here at once, then go to Redis and are announced;
  one Redis does not confirm is retried until it does (`clear()` returns False meanwhile), and
  this process reads nothing it covers from Redis until then.
- When the subscriber reconnects (messages may have been lost), L1 is emptied and generations
  are re-read. L1 entries expire by the function's clock at `min(ttl left, l1.ttlMs)` (a value
  read from Redis comes with its remaining TTL, `PTTL` in the same round trip, so L1 never serves
  it longer than Redis would); a read of Redis re-reads the generation first when it is older
  than `l1.ttlMs`.
- L1's own evictions lose nothing (Redis still holds the value) and are not counted; `entries()`
  and `bytes()` are L1's.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Hashable, Mapping

from .base import MISS, Health, StoreContext
from .lru import LruStore, read_lru_options
from .redis import RedisStore
from .remote.codec import Codec
from .remote.options import BackendOptions
from .remote.redis_connection import RedisSettings

__all__ = ["TieredStore", "create"]


class _NoEvents:
    def evicted(self, cause: str, count: int = 1) -> None:
        pass

    def backend_error(self, error: BaseException) -> None:
        pass


class TieredStore:
    """The entries of one memoized function: L1 in this process, L2 in Redis."""

    kind = "tiered"
    shared = True

    def __init__(self, settings: RedisSettings, codec: Codec, context: StoreContext, l1_max: int,
                 l1_max_bytes: int | None, l1_ttl_ms: float) -> None:
        self._l1 = LruStore(l1_max, l1_max_bytes, context.now, _NoEvents())
        self._l1_ttl = l1_ttl_ms
        self._ns = context.namespace
        self._events = context.events
        self._epoch = 0
        self._epoch_lock = threading.Lock()
        # Unconfirmed invalidations are retried often enough that every process hears of them
        # well within one L1 period once Redis answers.
        self._l2 = RedisStore(settings, codec, context, announce_deletes=True, retry_max_delay_ms=min(1000, l1_ttl_ms / 4), read_ttl=True)
        # One bound method, kept: `publish` skips its sender by identity.
        self._listener = self._on_message
        self._unlisten = self._l2.connection.listen(context.namespace, self._listener)

    def _on_message(self, message: dict[str, Any] | None) -> None:
        with self._epoch_lock:
            self._epoch += 1
        keys = None if message is None else message.get("k")
        if not isinstance(keys, list):
            self._l1.clear()  # a clear, or the subscriber reconnected
        else:
            for key in keys:
                if isinstance(key, str):
                    self._l1.delete(key)

    def _bump(self) -> None:
        with self._epoch_lock:
            self._epoch += 1

    def _fill(self, key: str, value: Any, ttl_ms: float | None) -> None:
        if not self._l2.connection.listening:
            return  # no invalidations arrive now: L1 could go stale
        ttl = self._l1_ttl if ttl_ms is None or ttl_ms <= 0 else min(ttl_ms, self._l1_ttl)
        self._l1.set(key, value, ttl)

    def get(self, key: Hashable) -> Any:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        value = self._l1.get(key)
        if value is not MISS:
            return value
        epoch = self._epoch
        if time.monotonic() * 1000 - self._l2.generation_at > self._l1_ttl:
            self._l2.generation_stale()  # a clear whose message was lost is seen within one L1 period
        value, ttl_ms = self._l2.fetch(key)
        if value is not MISS and epoch == self._epoch:
            self._fill(key, value, ttl_ms)
        return value

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        self._bump()
        self._l1.delete(key)
        if not self._l2.store(key, value, ttl_ms):
            return
        self._fill(key, value, ttl_ms)
        self._l2.connection.publish(self._events, {"ns": self._ns, "k": [key]}, sender=self._listener)

    def delete(self, key: Hashable) -> bool:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        self._bump()
        self._l1.delete(key)
        return self._l2.delete(key)

    def clear(self) -> bool:
        self._bump()
        self._l1.clear()
        return self._l2.clear()

    @property
    def invalidation_pending(self) -> bool:
        return self._l2.invalidation_pending

    def wait_invalidations(self, timeout_s: float) -> bool:
        return self._l2.wait_invalidations(timeout_s)

    @property
    def listening(self) -> bool:
        """True while other processes' invalidations are being received."""
        return self._l2.connection.listening

    def entries(self) -> int:
        return self._l1.entries()

    def bytes(self) -> int:
        return self._l1.bytes()

    def health(self) -> Health:
        return self._l2.health()

    def close(self) -> None:
        self._unlisten()
        self._l1.close()
        self._l2.close()


def create(config: Mapping[str, Any], context: StoreContext) -> TieredStore:
    """The store of one function for a `"type": "tiered"` entry. Raises `ConfigError` naming a bad
    or unsupported field; never fails because Redis is down (the store then fails open)."""
    options = BackendOptions(str(config.get("type", "tiered")), config)
    settings = RedisSettings.read(options)
    if not settings.invalidation:
        raise options.error("invalidation", "cannot be false for a tiered backend: its L1 is kept coherent by "
                                            "invalidation messages")
    l1 = options.section("l1")
    l1_max, l1_max_bytes = read_lru_options(l1)
    l1_ttl = l1.ms("ttlMs", 10_000, minimum=1)
    l1.finish(["max", "maxBytes", "ttlMs"])
    codec = Codec(options)
    options.finish()
    return TieredStore(settings, codec, context, l1_max, l1_max_bytes, l1_ttl)
