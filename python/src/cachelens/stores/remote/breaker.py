"""Fail-open execution for the remote stores: a circuit breaker shared by every function's store of
one connection.

`failureThreshold` failed operations in a row (default 5) open the breaker: operations are then not
sent at all (the call is a miss, the write is dropped) for `openMs` (default 1000 ms); then one
probe is let through (half-open): its success closes the breaker, its failure opens it for another
`openMs`. While the breaker is open, a daemon timer also probes the server every `openMs` (bounded
by the client's timeouts), so an idle app's health returns to `ok` when the server is back.

Each failed operation is reported once through `StoreEvents.backend_error` (an operation skipped
while the breaker is open did not fail, and is not reported). Time is the real monotonic clock:
the breaker bounds real waiting on a real server, whatever clock the function uses.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, TypeVar

from ..base import Health, StoreEvents
from ...errors import BackendError
from .errors import BackendTimeoutError, BackendUnavailableError
from .options import BackendOptions

__all__ = ["Breaker", "read_breaker_options"]

T = TypeVar("T")


def read_breaker_options(options: BackendOptions) -> tuple[int, float]:
    """`breaker.failureThreshold` (default 5) and `breaker.openMs` (ms, default 1000) of an entry."""
    section = options.section("breaker")
    threshold = section.whole("failureThreshold", 5, minimum=1)
    open_ms = section.ms("openMs", 1000, minimum=1)
    section.finish(["failureThreshold", "openMs"])
    assert threshold is not None
    return threshold, open_ms


class Breaker:
    """The breaker of one connection. Thread-safe.

    `timeouts`: the client's exception types that mean "took longer than `timeout_ms`".
    `on_recovered` is called (outside any lock) when the breaker closes after being open."""

    def __init__(
        self,
        backend: str,
        threshold: int,
        open_ms: float,
        timeout_ms: float,
        timeouts: tuple[type[BaseException], ...] = (TimeoutError,),
    ) -> None:
        self.backend = backend
        self.threshold = threshold
        self.open_ms = open_ms
        self.on_recovered: Callable[[], None] | None = None
        self.timeout_ms = timeout_ms
        self._timeouts = timeouts
        self._lock = threading.Lock()
        self._state = "closed"  # closed | open | half-open
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self._probe: Callable[[], Any] | None = None
        self._timer: threading.Timer | None = None
        self._closed = False

    @property
    def health(self) -> Health:
        return "ok" if self._state == "closed" else "degraded"

    @property
    def is_open(self) -> bool:
        return self._state != "closed"

    def reported(self, op: str, exc: BaseException) -> BackendError:
        """What to report for a failure of `op`."""
        if isinstance(exc, BackendError):
            return exc
        if isinstance(exc, self._timeouts):
            return BackendTimeoutError(self.backend, op, self.timeout_ms)
        return BackendUnavailableError(self.backend, op, exc)

    def run(self, events: StoreEvents, op: str, operation: Callable[[], T], fallback: T) -> T:
        """`operation()` unless the breaker is open; `fallback` when it fails (reported once) or is skipped."""
        probe = False
        if self._state != "closed":
            with self._lock:
                if self._state == "open" and (time.monotonic() * 1000 - self._opened_at) >= self.open_ms and not self._probing:
                    self._state = "half-open"
                if self._state != "half-open" or self._probing:
                    return fallback
                self._probing = probe = True
        try:
            result = operation()
        except Exception as exc:
            self._failure(events, self.reported(op, exc))
            return fallback
        finally:
            if probe:
                self._probing = False
        if self._failures or probe:
            with self._lock:
                self._failures = 0
                self._state = "closed"
            if probe:
                self._recovered()
        return result

    def _recovered(self) -> None:
        callback = self.on_recovered
        if callback is not None:
            try:
                callback()
            except Exception:
                pass

    def note_failure(self, events: StoreEvents | None, error: BackendError) -> None:
        """Counts a failure seen outside `run`."""
        self._failure(events, error)

    def note_recovered(self) -> None:
        """The server answered outside `run` (a background retry, the recovery probe): close the
        breaker, one failure short of the threshold so that the next failure reopens it at once."""
        with self._lock:
            if self._state == "closed":
                return
            self._state = "closed"
            self._failures = self.threshold - 1
        self._recovered()

    def watch_recovery(self, probe: Callable[[], Any]) -> None:
        """While open, `probe()` (bounded by the client's timeouts) runs every `openMs` on a daemon
        timer; its first success closes the breaker."""
        self._probe = probe

    def close(self) -> None:
        """Stops the recovery probe (the connection is closed)."""
        self._closed = True
        timer = self._timer
        if timer is not None:
            timer.cancel()

    def _failure(self, events: StoreEvents | None, error: BackendError) -> None:
        if events is not None:
            try:
                events.backend_error(error)
            except Exception:  # the counters never break a call
                pass
        with self._lock:
            self._failures += 1
            if self._state == "half-open" or (self._state == "closed" and self._failures >= self.threshold):
                self._state = "open"
                self._opened_at = time.monotonic() * 1000
                self._schedule_probe()

    def _schedule_probe(self) -> None:
        if self._probe is None or self._timer is not None or self._closed:
            return
        timer = threading.Timer(self.open_ms / 1000, self._run_probe)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _run_probe(self) -> None:
        probe = self._probe
        try:
            if probe is None or self._state == "closed" or self._closed:
                return
            probe()
        except Exception:
            pass
        else:
            self.note_recovered()
        finally:
            with self._lock:
                self._timer = None
                if self._state != "closed":
                    self._schedule_probe()

    def after_fork(self) -> None:
        """In a forked child: fresh lock, no timer (threads do not survive a fork)."""
        self._lock = threading.Lock()
        self._timer = None
        self._probing = False
        if self._state != "closed":
            self._schedule_probe()
