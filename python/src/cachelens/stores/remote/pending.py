"""Invalidations (clears and deletes) a remote server did not confirm, kept per function and
retried in the background until it does, so that a clear made while the server is hung or down is
not lost (otherwise the generation counter never moves and every process reads the old entries
again once the server is back).

- While an invalidation is pending, what it covers (the whole function for a clear, one key for a
  delete) is neither read nor written on the server by this process (`blocks`): the store answers
  a miss, so this process serves none of the old entries meanwhile.
- Any number of clears while one is pending is one retry; a clear subsumes the deletes requested
  before it. At most `max_keys` (1024) deletes are kept; one more turns them into a pending clear
  (bounded memory; a clear drops more, never less).
- Retries back off from 50 ms to `max_delay_ms` (default 1000 ms) on a daemon timer (a pending
  invalidation never keeps the interpreter alive; one still pending at exit is lost with the
  process); `kick()` retries at once (the server is back). Each attempt is bounded by the client's
  timeouts.
"""

from __future__ import annotations

import threading
from typing import Callable

__all__ = ["PendingInvalidations", "ApplyInvalidation", "PENDING_KEYS_MAX"]

PENDING_KEYS_MAX = 1024

ApplyInvalidation = Callable[[bool, list[str], bool], bool]
"""`apply(all, keys, retry)`: a clear (`all`) or deletes of `keys` on the server; True only when the
server confirmed all of it. `retry` is False for the caller's own first attempt (which reports its
failure) and True for background retries (which report nothing more)."""


class PendingInvalidations:
    """The unconfirmed invalidations of one function. Thread-safe."""

    def __init__(self, apply: ApplyInvalidation, min_delay_ms: float = 50, max_delay_ms: float = 1000,
                 max_keys: int = PENDING_KEYS_MAX) -> None:
        self._apply = apply
        self._min_delay = min_delay_ms
        self._max_delay = max(min_delay_ms, max_delay_ms)
        self._max_keys = max_keys
        self._delay = min_delay_ms
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._seq = 0
        self._all = 0  # sequence number of the pending clear; 0: none
        self._keys: dict[str, int] = {}
        self._timer: threading.Timer | None = None
        self._running = False
        self._closed = False

    @property
    def pending(self) -> bool:
        """True while some invalidation is not confirmed."""
        return self._all != 0 or bool(self._keys)

    def blocks(self, key: str) -> bool:
        """True when `key` must not be read or written on the server."""
        return self._all != 0 or (bool(self._keys) and key in self._keys)

    def attempt(self, key: str | None = None) -> bool:
        """Records a clear (`key` None) or a delete and tries it now, in the caller's thread. True
        when confirmed; False when not (it is then retried in the background) or when a retry is
        already running (the request joins it)."""
        with self._lock:
            if self._closed:
                return False
            seq = self._record(key)
            if self._running:
                return False
            self._cancel_timer()
            self._running = True
        self._run(retry=False)
        with self._lock:
            return not self._covers(key, seq)

    def add(self, key: str | None = None) -> None:
        """Records an unconfirmed clear (`key` None) or delete, and schedules its retry."""
        with self._lock:
            if self._closed:
                return
            self._record(key)
            self._schedule(self._delay)

    def delete(self, key: str, remove: Callable[[], tuple[int, bool]]) -> int:
        """A delete of `key` by the caller's own first attempt `remove() -> (removed, confirmed)`,
        retried in the background when not confirmed. While a clear is pending the server is not
        asked. Returns the entries removed now."""
        if self._all != 0:
            self.add(key)
            return 0
        removed, confirmed = remove()
        if not confirmed:
            self.add(key)
        return removed

    def kick(self) -> None:
        """The server is back: retry now rather than at the next backoff step."""
        with self._lock:
            if not self.pending or self._closed or self._running:
                return
            self._cancel_timer()
            self._delay = self._min_delay
            self._running = True
        threading.Thread(target=self._run, args=(True,), daemon=True, name="cachelens-invalidation").start()

    def wait(self, timeout_s: float) -> bool:
        """Waits at most `timeout_s` seconds for nothing to be pending; True when nothing is."""
        with self._settled:
            return self._settled.wait_for(lambda: not self.pending or self._closed, timeout_s) and not self.pending

    def close(self) -> None:
        """Stops retrying (the store is closed)."""
        with self._lock:
            self._closed = True
            self._cancel_timer()
            self._settled.notify_all()

    def after_fork(self) -> None:
        """In a forked child: fresh lock and condition; a pending invalidation is retried by the child too."""
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._timer = None
        self._running = False
        if self.pending and not self._closed:
            self._schedule(self._min_delay)

    # -- internals (called with the lock held unless said otherwise) --

    def _record(self, key: str | None) -> int:
        self._seq += 1
        if key is None or (key not in self._keys and len(self._keys) >= self._max_keys):
            self._all = self._seq
            self._keys.clear()
        else:
            self._keys[key] = self._seq
        return self._seq

    def _covers(self, key: str | None, seq: int) -> bool:
        if self._all != 0:
            return True
        if key is None:
            return False
        at = self._keys.get(key)
        return at is not None and at >= seq

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self, delay_ms: float) -> None:
        if self._closed or self._running or self._timer is not None:
            return
        timer = threading.Timer(delay_ms / 1000, self._on_timer)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            if self._running or self._closed:
                return
            self._running = True
        self._run(retry=True)

    def _run(self, retry: bool) -> None:
        """Applies what is pending until it fails or nothing is left. Called without the lock, with
        `_running` set by the caller."""
        failed = False
        try:
            while True:
                with self._lock:
                    if not self.pending or self._closed:
                        break
                    up_to = self._seq
                    clear = self._all != 0
                    keys = [] if clear else list(self._keys)
                try:
                    ok = self._apply(clear, keys, retry)
                except Exception:
                    ok = False
                if not ok:
                    failed = True
                    break
                retry = True
                with self._lock:
                    self._delay = self._min_delay
                    # Only what was requested before this attempt is confirmed by it.
                    if clear and self._all <= up_to:
                        self._all = 0
                    sent = set(keys)
                    for key, seq in list(self._keys.items()):
                        if seq <= up_to and (clear or key in sent):
                            del self._keys[key]
        finally:
            with self._lock:
                self._running = False
                if failed:
                    delay = self._delay
                    self._delay = min(self._max_delay, self._delay * 2)
                    self._schedule(delay)
                elif not self.pending:
                    self._settled.notify_all()
