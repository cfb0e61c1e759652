"""Starting, stopping and forking the reporter.

The reporter runs an asyncio loop of its own on a daemon thread, so it never keeps the interpreter
alive and never runs on the application's loop. At exit a last batch is sent if it can be within
about 1 s; otherwise it is dropped (the editor already has every earlier total).

`fork()`: a child (os.fork, multiprocessing with fork, a gunicorn worker with or without
--preload) reports as its own stream of the same process (docs/protocol.md 7.1): same instance,
its own pid, a new thread, a new connection. The parent's loop, thread and socket do not survive
a fork; the child closes its copies of their file descriptors without touching the parent's
(no epoll_ctl on the shared epoll instance, no shutdown of the shared socket).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import sys
import threading
import time
from typing import Any, Callable

from .. import registry
from .backoff import Backoff
from .connection import Connection
from .identity import identity, new_instance

__all__ = ["Reporter", "start", "ensure_started", "current", "stop", "ENDPOINT_ENV", "INTERVAL_ENV"]

log = logging.getLogger("cachelens.reporter")

#: The variable that carries the endpoint (`ws://127.0.0.1:PORT/?token=...`).
ENDPOINT_ENV = "CACHELENS_ENDPOINT"
#: Time between batches in milliseconds, when the code does not say (default 250).
INTERVAL_ENV = "CACHELENS_INTERVAL_MS"
#: How long a last batch at exit may take, in seconds.
EXIT_FLUSH_S = 1.0


class _DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """The loop's executor (host name lookups, clear commands): one daemon thread per task, so a
    lookup that hangs never delays the exit (a ThreadPoolExecutor's threads are joined at exit)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:
                future.set_exception(error)

        threading.Thread(target=run, name="cachelens-reporter-task", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


class Reporter:
    """The reporter of this process. Use `start()` or `ensure_started()`, not the constructor.

    `endpoint`: where to connect; `interval_ms`: time between batches (default 250 ms);
    `instance`: this process run's id (default: a new UUID); `app`: the name shown (default:
    CACHELENS_APP, else the app root folder's name, else the script's name); `backoff_initial_ms`
    and `backoff_max_ms`: reconnection delays (defaults 500 ms and 30 s, docs/protocol.md 5.4);
    `stall_ms`: a connection whose unsent data makes no progress this long is dropped (default
    1000 ms)."""

    def __init__(
        self,
        endpoint: str,
        *,
        interval_ms: float = 250,
        instance: str | None = None,
        app: str | None = None,
        backoff_initial_ms: float = 500,
        backoff_max_ms: float = 30_000,
        stall_ms: float = 1000,
    ) -> None:
        self.endpoint = endpoint
        self.instance = instance or new_instance()
        self.app = app
        self.interval_ms = interval_ms
        self.backoff_initial_ms = backoff_initial_ms
        self.backoff_max_ms = backoff_max_ms
        self.stall_ms = stall_ms
        self.pid = 0
        self._connection: Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._opened = threading.Event()

    @property
    def state(self) -> str:
        """`connecting`, `open`, `waiting` (to reconnect), `stopped` or `refused` (for good)."""
        return self._connection.state if self._connection is not None else "stopped"

    @property
    def attempt(self) -> int:
        """Failed connection attempts since the last successful one (a stall counts as one)."""
        return self._connection.backoff.attempt if self._connection is not None else 0

    @property
    def paused(self) -> bool:
        """Whether the editor paused this connection's statistics."""
        return self._connection is not None and self._connection.paused

    @property
    def thread(self) -> threading.Thread | None:
        """The daemon thread the reporter runs on (None before start and after a stop)."""
        return self._thread

    def _start(self) -> None:
        """A new connection on a new thread, for this OS process."""
        self.pid = os.getpid()
        self._opened = threading.Event()
        self._connection = Connection(
            self.endpoint,
            identity(self.instance, self.app),
            registry.sources,
            registry.find,
            interval_s=self.interval_ms / 1000,
            backoff=Backoff(self.backoff_initial_ms / 1000, self.backoff_max_ms / 1000),
            stall_s=self.stall_ms / 1000,
            on_open=self._opened.set,
        )
        loop = asyncio.new_event_loop()
        loop.set_default_executor(_DaemonExecutor(max_workers=1))
        loop.set_exception_handler(lambda _loop, context: log.debug("reporter loop: %s", context.get("message")))
        self._loop = loop
        self._thread = threading.Thread(target=self._run, args=(loop, self._connection), name="cachelens-reporter", daemon=True)
        self._thread.start()

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop, connection: Connection) -> None:
        try:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(connection.run())
        except BaseException as error:  # never a traceback on stderr from the reporter's thread
            log.debug("the reporter stopped: %r", error)
        finally:
            try:
                loop.close()
            except Exception:
                pass

    def wait_open(self, timeout_s: float) -> bool:
        """Waits at most `timeout_s` for a connection to be open; whether one is."""
        return self._opened.wait(timeout_s) and self.state == "open"

    def close(self, timeout_s: float = EXIT_FLUSH_S) -> None:
        """Sends a last batch and closes the connection politely (1000) if that can be done within
        `timeout_s`, else drops it; the reporter is stopped after. Never raises, never waits longer
        than about `timeout_s`."""
        loop, connection, thread = self._loop, self._connection, self._thread
        if loop is None or connection is None or thread is None or not thread.is_alive() or self.pid != os.getpid():
            return
        deadline = time.monotonic() + timeout_s
        # A short-lived process (a fork child, a script) may end while its handshake is in
        # flight: its figures are worth the wait, within the same bound (a refused connection
        # leaves `connecting` at once, so an editor that is away costs nothing here).
        while connection.state == "connecting" and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            remaining = max(0.0, deadline - time.monotonic())
            future = asyncio.run_coroutine_threadsafe(connection.finish(remaining), loop)
            future.result(remaining + 0.1)
        except Exception as error:
            log.debug("the reporter's last batch was dropped: %r", error)
        try:
            loop.call_soon_threadsafe(connection.stop)
        except Exception:
            pass
        thread.join(max(0.0, deadline + 0.1 - time.monotonic()))

    def _abandon_after_fork(self) -> None:
        """In a fork child: forget the parent's loop and thread, closing this process's copies of
        their descriptors (the selector's, the loop's self-pipe, the socket) without any call that
        would reach the parent's (epoll_ctl, shutdown)."""
        loop, connection = self._loop, self._connection
        self._loop = self._connection = self._thread = None
        for owner, name in ((loop, "_selector"), (loop, "_ssock"), (loop, "_csock")):
            closing = getattr(owner, name, None)
            try:
                if closing is not None:
                    closing.close()
            except Exception:
                pass
        transport = getattr(getattr(connection, "ws", None), "transport", None)
        sock = getattr(transport, "_sock", None)
        try:
            if sock is not None:
                sock.close()
        except Exception:
            pass


_lock = threading.Lock()
_active: Reporter | None = None
_hooks_installed = False
_multiprocessing_hooked = False


def current() -> Reporter | None:
    """The running reporter of this process, if any."""
    return _active


def start(
    endpoint: str | None = None,
    *,
    interval_ms: float | None = None,
    instance: str | None = None,
    app: str | None = None,
    backoff_initial_ms: float = 500,
    backoff_max_ms: float = 30_000,
    stall_ms: float = 1000,
) -> Reporter | None:
    """Starts reporting the registry to `endpoint` (default: CACHELENS_ENDPOINT); once per
    process, later calls return the running reporter. None when there is no endpoint or the
    `websockets` package is missing (said once, as a warning). `interval_ms` defaults to
    CACHELENS_INTERVAL_MS, else 250. Raises OptionsError for a number option that is not > 0."""
    global _active
    from ..errors import OptionsError

    for name, value in (("interval_ms", interval_ms), ("backoff_initial_ms", backoff_initial_ms), ("backoff_max_ms", backoff_max_ms), ("stall_ms", stall_ms)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf")):
            raise OptionsError(f"the reporter's {name} must be a number of milliseconds > 0, got {value!r}; leave it out for the default")
    with _lock:
        if _active is not None:
            return _active
        endpoint = endpoint or os.environ.get(ENDPOINT_ENV) or None
        if endpoint is None:
            return None
        try:
            # Imported here, on the caller's thread, not by the reporter's (an import on a thread
            # while the main thread imports the app could wait on its import lock).
            import websockets.exceptions  # noqa: F401
            import websockets.legacy.client  # noqa: F401
        except ImportError:
            log.warning("CacheLens: %s is set but the 'websockets' package is missing; live statistics are off "
                        "(install cachelens[live] or python3-websockets)", ENDPOINT_ENV)
            return None
        reporter = Reporter(
            endpoint, interval_ms=interval_ms if interval_ms is not None else _interval_from_env(), instance=instance, app=app,
            backoff_initial_ms=backoff_initial_ms, backoff_max_ms=backoff_max_ms, stall_ms=stall_ms,
        )
        _install_hooks()
        reporter._start()
        _active = reporter
        return reporter


def ensure_started() -> Reporter | None:
    """What the registry calls at each registration: starts the reporter when CACHELENS_ENDPOINT
    is set and it is not running; a dictionary lookup otherwise. Never raises."""
    if _active is not None or not os.environ.get(ENDPOINT_ENV):
        return _active
    try:
        return start()
    except Exception as error:
        log.debug("the reporter did not start: %r", error)
        return None


def stop(timeout_s: float = EXIT_FLUSH_S) -> None:
    """Sends a last batch (within `timeout_s`), closes the connection and stops the reporter.
    A later `start()` starts a new one (a new instance unless given)."""
    global _active
    reporter = _active
    _active = None
    if reporter is not None:
        reporter.close(timeout_s)


def _interval_from_env() -> float:
    text = os.environ.get(INTERVAL_ENV)
    if not text:
        return 250
    try:
        value = float(text)
        if 0 < value < float("inf"):
            return value
    except ValueError:
        pass
    log.warning("CacheLens: %s=%r is not a number of milliseconds > 0; using 250", INTERVAL_ENV, text)
    return 250


def _install_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_at_exit)
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def _at_exit() -> None:
    reporter = _active
    if reporter is not None and reporter.pid == os.getpid():
        try:
            reporter.close(EXIT_FLUSH_S)
        except BaseException:
            pass


def _before_fork() -> None:
    # multiprocessing children end with os._exit (atexit does not run); its own exit hook does.
    global _multiprocessing_hooked
    util = sys.modules.get("multiprocessing.util")
    if _multiprocessing_hooked or util is None or _active is None:
        return
    try:
        util.register_after_fork(_active, _multiprocessing_child)
        _multiprocessing_hooked = True
    except Exception:
        pass


def _multiprocessing_child(reporter: Reporter) -> None:
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.Finalize(None, _at_exit, exitpriority=100)


def _after_fork_in_child() -> None:
    global _lock
    try:
        _lock = threading.Lock()
        registry.reset_after_fork()
        reporter = _active
        if reporter is None:
            return
        refused = reporter.state == "refused"
        reporter._abandon_after_fork()
        if not refused:
            reporter._start()
    except Exception as error:
        log.debug("the reporter did not restart in the fork child: %r", error)
