"""The Redis connection of one backend settings: a redis-py client (its own connection pool),
the breaker, and the pub/sub subscriber that carries invalidations between processes. Shared by
every function's store of those settings (`shared.py`), for the Redis and the two-tier stores.

- Bounded: `socket_timeout` = `commandTimeoutMs` (default 500 ms), `socket_connect_timeout` =
  `connectTimeoutMs` (default 2000 ms), no retry on timeout: a hung server costs one call at most
  that long, and after `breaker.failureThreshold` such failures calls skip the server entirely.
- Invalidation messages (`invalidation`, default true): one daemon thread subscribes to
  `keyPrefix + "__cachelens__:invalidate"` (the JS runtime's channel and message format:
  `{"o": sender, "ns": function id, "g": new generation, "k": [keys]}`), so a clear made in one
  process switches every process to the new generation at once; generations are also re-read every
  `generationRefreshMs` in case a message is missed, and at once after the subscriber reconnects.
  The thread is started with the first store, never at import, and again in a forked child.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import threading
from dataclasses import dataclass
from typing import Any, Callable

from ...errors import BackendError
from ..base import StoreEvents
from .breaker import Breaker, read_breaker_options
from .options import BackendOptions
from .shared import SharedConnections
from .store import RemoteConnection

__all__ = ["RedisSettings", "RedisConnection", "redis_connections", "InvalidationListener"]

InvalidationListener = Callable[[dict[str, Any] | None], None]
"""Called with another process's message for a namespace, or None when the subscriber
(re)connected (messages may have been missed)."""

_SUPPORTED_URL = re.compile(r"rediss?://", re.IGNORECASE)


def _redact(url: str) -> str:
    return re.sub(r"//[^@/]*@", "//***@", url)


@dataclass(frozen=True)
class RedisSettings:
    """The validated connection options of a `redis` (or `tiered`) entry; equal settings share a connection."""

    backend: str
    url: str
    prefix: str
    command_timeout_ms: float
    connect_timeout_ms: float
    refresh_ms: float
    invalidation: bool
    threshold: int
    open_ms: float

    @staticmethod
    def read(options: BackendOptions) -> "RedisSettings":
        """Reads (and checks) every connection field of the entry; refuses those the Python runtime
        does not implement."""
        backend = options.backend
        options.unsupported("cluster", "Redis Cluster is not implemented in Python; use a url to one server")
        options.unsupported("sentinel", "Redis Sentinel is not implemented in Python; use a url to the master")
        options.unsupported("options", "it holds ioredis options; put the password and database in url "
                                       "(redis://:password@host:port/db) or use rediss:// for TLS")
        options.unsupported("client", "a client object cannot come from a config file")
        url = options.string("url", "redis://127.0.0.1:6379/0", non_empty=True).strip()
        if url.lower().startswith(("redis-cluster://", "redis-sentinel://")):
            raise options.error("url", f"is {_redact(url)!r}: Redis Cluster and Sentinel are not supported by the "
                                       "Python runtime; use redis://host:port/db or rediss://")
        if not _SUPPORTED_URL.match(url):
            raise options.error("url", f"is {_redact(url)!r}: expected redis://[:password@]host:port[/db] or rediss://...")
        redis = _load_redis()
        try:
            redis.connection.parse_url(url)
        except Exception as exc:
            raise options.error("url", f"is {_redact(url)!r}, which cannot be read ({exc})") from None
        prefix = options.string("keyPrefix", "cachelens:")
        command_timeout = options.ms("commandTimeoutMs", 500, minimum=1)
        connect_timeout = options.ms("connectTimeoutMs", 2000, minimum=1)
        refresh = options.ms("generationRefreshMs", 5000, minimum=1)
        invalidation = options.boolean("invalidation", True)
        threshold, open_ms = read_breaker_options(options)
        return RedisSettings(backend, url, prefix, command_timeout, connect_timeout, refresh, invalidation, threshold, open_ms)


def _load_redis() -> Any:
    try:
        import redis
        import redis.connection
    except ImportError as exc:
        raise BackendError(
            "the redis backend needs the redis package (redis-py), which is not installed: "
            "pip install 'cachelens[redis]' (Debian: apt install python3-redis)"
        ) from exc
    return redis


class RedisConnection(RemoteConnection):
    """One redis-py client (and one subscriber thread) for every function's store of one settings."""

    def __init__(self, settings: RedisSettings) -> None:
        redis = _load_redis()
        self.settings = settings
        self.id = secrets.token_hex(8)
        self.channel = settings.prefix + "__cachelens__:invalidate"
        timeouts = (redis.exceptions.TimeoutError, socket.timeout, TimeoutError)
        breaker = Breaker("redis", settings.threshold, settings.open_ms, settings.command_timeout_ms, timeouts)
        super().__init__(settings.prefix, settings.refresh_ms, breaker)
        self.client = redis.Redis.from_url(
            settings.url,
            socket_timeout=settings.command_timeout_ms / 1000,
            socket_connect_timeout=settings.connect_timeout_ms / 1000,
            retry_on_timeout=False,
            health_check_interval=0,
        )
        breaker.watch_recovery(self.client.ping)
        self._listeners: dict[str, set[InvalidationListener]] = {}
        self._listening = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if settings.invalidation:
            self._start_subscriber()

    # -- pub/sub --

    @property
    def listening(self) -> bool:
        """True while invalidation messages are being received (the two-tier store fills L1 only then)."""
        return self._listening

    def listen(self, namespace: str, listener: InvalidationListener) -> Callable[[], None]:
        """Calls `listener` for other processes' invalidations of `namespace`; returns the unsubscribe."""
        with self.lock:
            self._listeners.setdefault(namespace, set()).add(listener)

        def unlisten() -> None:
            with self.lock:
                self._listeners.get(namespace, set()).discard(listener)

        return unlisten

    def publish(self, events: StoreEvents, message: dict[str, Any], sender: InvalidationListener | None = None,
                retry: bool = False) -> bool:
        """Tells this process's other listeners of the namespace (all but `sender`) and other
        processes. True when Redis took the message."""
        full = {"o": self.id, **message}
        for listener in list(self._listeners.get(message["ns"], ())):
            if listener is not sender:
                listener(full)
        payload = json.dumps(full, separators=(",", ":"))
        if retry:
            try:
                self.client.publish(self.channel, payload)
            except Exception:
                return False
            self.breaker.note_recovered()
            return True
        return self.breaker.run(events, "PUBLISH", lambda: self.client.publish(self.channel, payload) >= 0, False)

    def _start_subscriber(self) -> None:
        self._stop = threading.Event()
        self._listening = False
        self._thread = threading.Thread(target=self._subscribe_loop, daemon=True, name="cachelens-redis-invalidation")
        self._thread.start()

    def _subscribe_loop(self) -> None:
        delay = 0.05
        connected_before = False
        stop = self._stop
        while not stop.is_set():
            pubsub = None
            try:
                pubsub = self.client.pubsub()
                pubsub.subscribe(self.channel)
                while not stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message.get("type") == "subscribe":
                        if connected_before:
                            # Messages sent while away are lost: re-read every generation.
                            for generation in list(self.generations.values()):
                                generation.stale()
                        connected_before = True
                        self._listening = True
                        delay = 0.05
                        self._tell_all(None)
                        self.kick()
                    elif message.get("type") == "message":
                        self._receive(message.get("data"))
            except Exception:
                pass
            finally:
                self._listening = False
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:
                        pass
            stop.wait(delay)
            delay = min(delay * 2, 2.0)

    def _tell_all(self, message: dict[str, Any] | None) -> None:
        with self.lock:
            listeners = [l for group in self._listeners.values() for l in group]
        for listener in listeners:
            try:
                listener(message)
            except Exception:
                pass

    def _receive(self, payload: Any) -> None:
        try:
            message = json.loads(payload)
        except Exception:
            return
        if not isinstance(message, dict) or message.get("o") == self.id or not isinstance(message.get("ns"), str):
            return
        namespace = message["ns"]
        generation = message.get("g")
        if isinstance(generation, str):
            known = self.generations.get(namespace)
            if known is not None and _newer(generation, known.value):
                known.update(generation)
        for listener in list(self._listeners.get(namespace, ())):
            try:
                listener(message)
            except Exception:
                pass

    # -- lifecycle --

    def after_fork(self) -> None:
        # redis-py's pool renews its sockets in a child by itself; the subscriber thread is gone.
        # A new sender id: the parent ignores its own messages, and must hear the child's.
        self.id = secrets.token_hex(8)
        if self.settings.invalidation:
            self._start_subscriber()

    def close(self) -> None:
        super().close()
        self._stop.set()
        try:
            self.client.close()
        except Exception:
            pass
        try:
            self.client.connection_pool.disconnect()
        except Exception:
            pass


def _newer(candidate: str, current: str | None) -> bool:
    """Generations only grow: a late message never takes a function back to an older one."""
    if current is None:
        return True
    try:
        return int(candidate) > int(current)
    except ValueError:
        return candidate != current


redis_connections: SharedConnections[RedisConnection] = SharedConnections()
"""The Redis connections of this process, by settings."""
