"""The `disk` backend: a memoized function's entries in a diskcache `Cache` (SQLite and files).

Persistent across restarts, and shared by every process on the machine (or shared volume) that
names the same `path`: diskcache is process- and thread-safe (SQLite transactions; a process
killed mid-write leaves the old or the new value), and re-opens its connection in a forked child.

Config entry (the shared schema; values already interpolated):

| field | unit / type | default | meaning |
| --- | --- | --- | --- |
| `path` | directory | `".cache/cachelens"` | where entries live, relative to the working directory; each function gets its own sub-directory `py-<function id, made safe>-<hash>` (a path ending in `.sqlite`, `.sqlite3` or `.db`, the JS runtime's file, is used as `<path>.d`) |
| `maxBytes` | bytes or `"1GB"` | 1 GiB | bound on the space each function's cache takes (diskcache's `volume()`: its SQLite file and value files), **per function** (the JS runtime bounds the whole file) |
| `max` | entries | none | bound on each function's entries (when the memoize layer passes its `max`) |
| `busyTimeoutMs` | ms | 2000 | how long an operation waits for another process's write lock |
| `compressAboveBytes`, `maxValueBytes`, `allowClassInstances` | bytes, bytes, boolean | 16384, 1048576, false | the value format (`remote/codec.py`: pickle, what it trusts: anyone who can write to the directory can run code in the app) |

Past a bound, the entries first written go first, until the function is within it (counted
`evicted("size")`, or `"expired"` for an entry already past its expiry).

Expiry is exact: the expiry time (wall-clock ms, from the function's clock) is stored with each
value, and diskcache is given none, so no entry leaves unseen. An entry met past its expiry (on
read, write, delete, clear or eviction) is removed and counted once as `evicted("expired")`
(across processes: only the process whose removal took it counts it). Entries never met again
stay until a bound, a clear or a later write removes them; `entries()` counts them until then.

Fails open: a directory that cannot be created or opened (read-only, a path under a regular file,
a full disk) or a write that fails is reported through `events.backend_error` with each operation
(`DiskUnusableError`) and warned once per directory (`DiskUnusableWarning`); `health()` is
`degraded` meanwhile, and opening is tried again at most once a second, so caching resumes by
itself once the directory is usable. Nothing is raised into a call.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sqlite3
import struct
import threading
import time
import warnings
from typing import Any, Callable, Hashable, Mapping, TypeVar

from ..errors import BackendError
from .base import MISS, Health, StoreContext, StoreEvents
from .remote.codec import Codec
from .remote.errors import BackendUnavailableError, DiskUnusableError
from .remote.options import BackendOptions

__all__ = ["DiskStore", "DiskUnusableWarning", "create", "function_directory"]

T = TypeVar("T")

_ENVELOPE = struct.Struct(">d")
"""Each stored value: its expiry (wall-clock ms; -1: none) as a big-endian double, then the codec's bytes."""

_REOPEN_EVERY_S = 1.0
_warned: set[str] = set()
_warned_lock = threading.Lock()


class DiskUnusableWarning(UserWarning):
    """The disk backend's directory cannot be used; calls run uncached until it can. Once per directory."""


def function_directory(root: str, namespace: str) -> str:
    """The sub-directory of one function: readable, safe on every filesystem, and unique (hashed)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", namespace)[:60]
    digest = hashlib.sha256(namespace.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return os.path.join(root, f"py-{readable}-{digest}")


def _load_diskcache() -> Any:
    try:
        import diskcache
    except ImportError as exc:
        raise BackendError(
            "the disk backend needs the diskcache package, which is not installed: "
            "pip install 'cachelens[disk]' (Debian: apt install python3-diskcache)"
        ) from exc
    return diskcache


def _problem(exc: BaseException) -> tuple[str, str] | None:
    """What a filesystem failure means for the user (cannot ..., fix), or None for a passing one
    (another process holding the lock longer than busyTimeoutMs)."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOTDIR, errno.EEXIST):
            return ("be created", "a part of the path is a regular file: point `path` at a directory")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return ("be created or written", f"{_WRITABLE} (this process runs as uid {os.geteuid()})")
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return ("be written: its disk is full or over a quota", _SPACE)
        return ("be used", "check the path, its permissions and its disk")
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        if "readonly" in text or "unable to open" in text or "permission" in text:
            return ("be opened or written", _WRITABLE)
        if "full" in text or "disk i/o" in text:
            return ("be written: its disk is full, over a quota or failing", _SPACE)
        if "locked" in text or "busy" in text:
            return None
        return ("be used", "check the path, its permissions and its disk")
    return None


_WRITABLE = ("make the directory writable by this process's user, or point `path` at a writable directory "
             "(in a container: a mounted volume, or a path under /tmp)")
_SPACE = "free space there, lower `maxBytes`, or point `path` at another volume"


class DiskStore:
    """The entries of one memoized function in its own diskcache directory."""

    kind = "disk"
    shared = True

    def __init__(self, directory: str, max_bytes: int | None, max_entries: int | None, busy_timeout_ms: float,
                 codec: Codec, context: StoreContext) -> None:
        self.directory = directory
        self._max_bytes = max_bytes
        self._max_entries = max_entries
        self._busy_s = busy_timeout_ms / 1000
        self._codec = codec
        self._events = context.events
        self._ns = context.namespace
        self._now = context.now
        # The function's clock, read as wall-clock ms: expiries persist across restarts (where a
        # monotonic clock starts again), and a test's fake clock still moves them.
        self._wall_offset = time.time() * 1000 - context.now()
        self._lock = threading.Lock()
        self._cache: Any = None
        self._problem: DiskUnusableError | None = None
        self._failing = False
        self._reopen_at = 0.0
        self._closed = False
        self._diskcache = _load_diskcache()
        self._open()

    # -- opening and failing open --

    def _open(self) -> None:
        """Opens the directory's cache; on failure records why (never raises)."""
        try:
            self._cache = self._diskcache.Cache(
                self.directory, timeout=self._busy_s, eviction_policy="none", size_limit=2**62, cull_limit=0,
                statistics=0, tag_index=0,
            )
            self._problem = None
        except Exception as exc:
            self._cache = None
            self._reopen_at = time.monotonic() + _REOPEN_EVERY_S
            self._problem = self._unusable(exc, opening=True)

    def _unusable(self, exc: BaseException, opening: bool = False) -> DiskUnusableError | None:
        problem = _problem(exc) or (("be opened", "check the path, its permissions and its disk") if opening else None)
        if problem is None:
            return None
        error = DiskUnusableError(self.directory, problem[0], problem[1], exc)
        with _warned_lock:
            first = self.directory not in _warned
            _warned.add(self.directory)
        if first:
            warnings.warn(str(error), DiskUnusableWarning, stacklevel=2)
        return error

    def _run(self, op: str, write: bool, operation: Callable[[Any], T], fallback: T,
             events: StoreEvents | None = None) -> T:
        """`operation(cache)`; any failure is reported once (to `events`, default the function's)
        and answered with `fallback`."""
        events = self._events if events is None else events
        cache = self._cache
        if cache is None and not self._closed and time.monotonic() >= self._reopen_at:
            with self._lock:
                if self._cache is None:
                    self._open()
            cache = self._cache
        if cache is None:
            if events is not None and self._problem is not None:
                events.backend_error(self._problem)
            return fallback
        try:
            result = operation(cache)
        except Exception as exc:
            problem = self._unusable(exc)
            if problem is not None:
                self._failing = True
            if events is not None:
                events.backend_error(problem or BackendUnavailableError("disk", op, exc))
            return fallback
        if write:
            self._failing = False
        return result

    # -- values and expiry --

    def _wall(self) -> float:
        return self._now() + self._wall_offset

    @staticmethod
    def _expires(stored: Any) -> float:
        """The expiry of a stored envelope (-1: none); malformed ones count as expired long ago."""
        if not isinstance(stored, (bytes, bytearray)) or len(stored) < _ENVELOPE.size:
            return 0.0
        return float(_ENVELOPE.unpack_from(stored)[0])

    def _expired(self, stored: Any, now: float) -> bool:
        expires = self._expires(stored)
        return 0 <= expires <= now

    def get(self, key: Hashable) -> Any:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        stored = self._run("read", False, lambda c: c.get(key, default=None), None)
        if stored is None:
            return MISS
        if self._expired(stored, self._wall()):
            self._remove_expired(key, stored)
            return MISS
        return self._codec.decode_or_miss(bytes(stored[_ENVELOPE.size:]), self._events)

    def _remove_expired(self, key: str, stored: Any) -> None:
        """Removes `key` if it still holds `stored` (another process may have written a fresh
        value since); counted once, by the process whose removal took it."""
        def remove(cache: Any) -> bool:
            with cache.transact():
                if cache.get(key, default=None) != stored:
                    return False
                return bool(cache.delete(key))

        if self._run("delete", True, remove, False):
            self._events.evicted("expired")

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        data = self._codec.encode_or_report(value, self._ns, self._events)
        if data is None:
            return
        now = self._wall()
        expires = now + ttl_ms if ttl_ms is not None and ttl_ms > 0 else -1.0
        envelope = _ENVELOPE.pack(expires) + data

        def write(cache: Any) -> bool | None:
            with cache.transact():
                old = cache.get(key, default=None)
                cache.set(key, envelope)
            return old is not None and self._expired(old, now)

        replaced_expired = self._run("write", True, write, None)
        if replaced_expired is None:
            return  # failed, and reported once
        if replaced_expired:
            self._events.evicted("expired")
        if self._max_entries is not None or self._max_bytes is not None:
            self._run("evict", True, lambda c: self._evict(c, now), None)

    def _over(self, cache: Any) -> bool:
        if self._max_entries is not None and len(cache) > self._max_entries:
            return True
        return self._max_bytes is not None and cache.volume() > self._max_bytes and len(cache) > 0

    def _evict(self, cache: Any, now: float) -> None:
        """The entries first written leave until the function is within its bounds."""
        size = expired = 0
        try:
            while self._over(cache):
                try:
                    key, stored = cache.peekitem(last=False)
                except KeyError:
                    break
                if cache.delete(key):
                    if self._expired(stored, now):
                        expired += 1
                    else:
                        size += 1
        finally:
            if size:
                self._events.evicted("size", size)
            if expired:
                self._events.evicted("expired", expired)

    def delete(self, key: Hashable) -> bool:
        assert isinstance(key, str), "shared stores take str keys (built by cachelens.keys)"
        now = self._wall()

        def remove(cache: Any) -> Any:
            with cache.transact():
                stored = cache.get(key, default=None)
                if stored is not None:
                    cache.delete(key)
                return stored

        stored = self._run("delete", True, remove, None)
        if stored is None:
            return False
        if self._expired(stored, now):
            self._events.evicted("expired")
            return False
        self._events.evicted("explicit")
        return True

    def clear(self) -> bool:
        """Removes every entry of this function (other processes see it at once). Entries found
        past their expiry are counted as expired. True when done."""
        now = self._wall()

        def clear(cache: Any) -> int:
            with cache.transact():
                expired = sum(1 for key in list(cache.iterkeys()) if self._expired(cache.get(key, default=None), now))
                cache.clear()
            return expired

        expired = self._run("clear", True, clear, -1)
        if expired > 0:
            self._events.evicted("expired", expired)
        return expired >= 0

    def entries(self) -> int:
        """Entries in the function's directory (all processes'), including expired ones not met yet.
        Not a call: a failure is not counted."""
        return self._run("count", False, len, 0, events=_UNCOUNTED)

    def bytes(self) -> int:
        """The function's cache size on disk (diskcache's `volume()`). Not counted on failure."""
        return self._run("size", False, lambda c: int(c.volume()), 0, events=_UNCOUNTED)

    def health(self) -> Health:
        return "degraded" if self._cache is None or self._failing else "ok"

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        cache, self._cache = self._cache, None
        if cache is not None:
            try:
                cache.close()
            except Exception:
                pass


class _Uncounted:
    def evicted(self, cause: str, count: int = 1) -> None:
        pass

    def backend_error(self, error: BaseException) -> None:
        pass


_UNCOUNTED = _Uncounted()


def create(config: Mapping[str, Any], context: StoreContext) -> DiskStore:
    """The store of one function for a `"type": "disk"` entry. Raises `ConfigError` naming a bad
    field; never fails because the directory is unusable (the store then fails open)."""
    options = BackendOptions(str(config.get("type", "disk")), config)
    given = options.string("path", ".cache/cachelens", non_empty=True)
    max_bytes = options.size("maxBytes", 1024**3)
    max_entries = options.whole("max", None, minimum=1)
    busy = options.ms("busyTimeoutMs", 2000, minimum=0)
    codec = Codec(options)
    options.finish()
    root = os.path.abspath(given)
    if re.search(r"\.(sqlite3?|db)$", root):
        root += ".d"
    return DiskStore(function_directory(root, context.namespace), max_bytes, max_entries, busy, codec, context)
