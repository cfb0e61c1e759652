"""The `redis` backend: a memoized function's entries in Redis, through redis-py.

Config entry (`cachelens.config.json`, the shared schema; values already interpolated):

| field | unit / type | default | meaning |
| --- | --- | --- | --- |
| `url` | `redis://[:password@]host:port[/db]`, `rediss://` (TLS) | `redis://127.0.0.1:6379/0` | the server |
| `keyPrefix` | string | `"cachelens:"` | prepended to every key, so apps sharing a server never collide |
| `commandTimeoutMs` | ms | 500 | bound on one command; past it the call goes on as a miss |
| `connectTimeoutMs` | ms | 2000 | bound on connecting |
| `breaker.failureThreshold`, `breaker.openMs` | count, ms | 5, 1000 | the circuit breaker (`remote/breaker.py`) |
| `generationRefreshMs` | ms | 5000 | how often a function's generation is re-read (a missed clear message is seen this late at most) |
| `invalidation` | boolean | true | clears reach other processes at once over pub/sub (one more connection and a daemon thread) |
| `compressAboveBytes`, `maxValueBytes`, `allowClassInstances` | bytes, bytes, boolean | 16384, 1048576, false | the value format (`remote/codec.py`: pickle) |

Refused with a `ConfigError` (not implemented by the Python runtime): `cluster`, `sentinel`,
`redis-cluster://` and `redis-sentinel://` URLs, `options` (ioredis options), `client`.

Keys: `keyPrefix + function id + ':' + generation + ':' + key` (`remote/keys.py`), TTLs kept by
Redis (`SET ... PX`, whole milliseconds, at least 1). A clear is `INCR` of the function's generation
counter and a pub/sub message: no `KEYS`, no `SCAN`; the old entries leave by their TTL. A clear
Redis does not confirm (hung, down, restarting) makes `clear()` return False and is retried on a
daemon timer until it does; meanwhile this process reads and writes none of the function's
entries. Fails open: see `remote/store.py` and `remote/breaker.py`. Value format and what it
trusts: `remote/codec.py` (pickle: anyone who can write to that Redis can run code in the app).
"""

from __future__ import annotations

from typing import Any, Mapping

from .base import StoreContext
from .remote.codec import Codec
from .remote.options import BackendOptions
from .remote.redis_connection import RedisConnection, RedisSettings, redis_connections
from .remote.keys import initial_generation
from .remote.store import RemoteStore

__all__ = ["RedisStore", "create"]


class RedisStore(RemoteStore):
    """The entries of one memoized function on Redis. For the two-tier store: `announce_deletes`
    publishes deletes too (other processes drop the key from their L1), `read_ttl` reads each
    value's remaining TTL with it."""

    kind = "redis"

    def __init__(self, settings: RedisSettings, codec: Codec, context: StoreContext, announce_deletes: bool = False,
                 retry_max_delay_ms: float = 1000, read_ttl: bool = False) -> None:
        self._lease = redis_connections.acquire(settings, lambda: RedisConnection(settings))
        self.connection: RedisConnection = self._lease.connection
        self._announce_deletes = announce_deletes
        self._read_ttl = read_ttl
        try:
            super().__init__(self.connection, codec, context, 1024, retry_max_delay_ms)
        except BaseException:
            self._lease.release()
            raise

    def _read(self, key: str) -> bytes | None:
        return self.connection.client.get(key)

    def _read_entry(self, key: str) -> tuple[bytes | None, float | None]:
        if not self._read_ttl:
            return self.connection.client.get(key), None
        # One round trip for both: the two-tier store keeps a value in L1 no longer than Redis does.
        data, pttl = self.connection.client.pipeline(transaction=False).get(key).pttl(key).execute()
        return data, (float(pttl) if data is not None and pttl is not None and pttl > 0 else None)

    def _write(self, key: str, data: bytes, ttl_ms: float | None) -> None:
        if ttl_ms is None:
            self.connection.client.set(key, data)
        else:
            self.connection.client.set(key, data, px=max(1, int(-(-ttl_ms // 1))))

    def _remove(self, key: str) -> int:
        return int(self.connection.client.delete(key))

    def _read_generation(self) -> str:
        client = self.connection.client
        key = self.keys.generation_key
        current = client.get(key)
        if current is None:
            client.set(key, initial_generation(), nx=True)
            current = client.get(key)
            if current is None:
                raise RuntimeError("the generation counter vanished as it was created")
        return current.decode("ascii")

    def _next_generation(self) -> str:
        client = self.connection.client
        key = self.keys.generation_key
        client.set(key, initial_generation(), nx=True)
        return str(client.incr(key))

    def _announce(self, keys: list[str] | None, generation: str | None, retry: bool) -> bool:
        message: dict[str, Any] = {"ns": self._ns}
        if generation is not None:
            message["g"] = generation
        elif keys is not None:
            if not self._announce_deletes:
                return True
            message["k"] = keys
        return self.connection.publish(self._events, message, retry=retry)

    def _release(self) -> None:
        self._lease.release()


def create(config: Mapping[str, Any], context: StoreContext) -> RedisStore:
    """The store of one function for a `"type": "redis"` entry. Raises `ConfigError` naming a bad
    or unsupported field; never fails because the server is down (the store then fails open)."""
    options = BackendOptions(str(config.get("type", "redis")), config)
    settings = RedisSettings.read(options)
    codec = Codec(options)
    options.finish()
    return RedisStore(settings, codec, context)
