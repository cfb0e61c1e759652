"""The reporter's conversation with the editor (docs/protocol.md section 5), on an asyncio loop
of its own (lifecycle.py runs it in a daemon thread): connect, `hello`, every function, every
figure; then every interval the functions registered since and the figures that changed; answer
commands; reconnect with backoff; stop for good on 403, 404 or 426.

No queue is kept: figures are cumulative totals, so while the editor is away the only state held
is the last text sent per function, on this connection (bounded by the number of functions).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable, Sequence

from . import batching
from .backoff import FINAL_STATUSES, Backoff
from .commands import Command, parse_command
from .messages import MAX_MESSAGE_BYTES, descriptor_entry, hello_message, result_message, stats_entry, trace_message

__all__ = ["Connection", "QuietLogger"]

log = logging.getLogger("cachelens.reporter")

#: `state` values: `connecting`, `open`, `waiting` (to reconnect), `stopped`, `refused` (for good).
STATES = ("connecting", "open", "waiting", "stopped", "refused")


class QuietLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """What the websockets library logs, at debug level whatever its level: the reporter's
    failures are never the application's problem."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.log(logging.DEBUG, msg, *args, **kwargs)

    def isEnabledFor(self, level: int) -> bool:
        return self.logger.isEnabledFor(logging.DEBUG)


class Connection:
    """Reports `sources()` to `endpoint` until `stop()` or a final refusal.

    `hello`: the hello's fields; `find(id)`: the source with this id, or None; `interval_s`:
    time between batches (default 0.25 s); `stall_s`: unsent data that made no progress for this
    long drops the connection (default 1 s, section 5.2); `max_buffered`: a batch is skipped while
    more bytes than this are unsent (default 4 MiB); `open_timeout_s`: bound of one handshake
    (default 10 s); `on_open`: called on the loop at each successful open."""

    def __init__(
        self,
        endpoint: str,
        hello: dict[str, Any],
        sources: Callable[[], Sequence[Any]],
        find: Callable[[str], Any],
        *,
        interval_s: float = 0.25,
        backoff: Backoff | None = None,
        stall_s: float = 1.0,
        max_buffered: int = 4 * 1024 * 1024,
        open_timeout_s: float = 10.0,
        on_open: Callable[[], None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.hello = hello
        self._sources = sources
        self._find = find
        self.interval_s = interval_s
        self.backoff = backoff or Backoff()
        self.stall_s = stall_s
        self.max_buffered = max_buffered
        self.open_timeout_s = open_timeout_s
        self._on_open = on_open
        self.state = "connecting"  # from the start: run() connects first
        self.paused = False
        self.ws: Any = None
        self._stopping = False
        self._wake: asyncio.Event | None = None
        self._batch_lock: asyncio.Lock | None = None
        self._seq = 0
        self._announced: dict[str, Any] = {}
        self._sent: dict[str, str] = {}

    # -- the loop ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Connects and reports until stopped or refused for good. Never raises."""
        self._wake = asyncio.Event()
        self._batch_lock = asyncio.Lock()
        # The only third-party imports, made only with an endpoint set; by their modules, not
        # through the package's lazy attributes.
        from websockets.exceptions import InvalidStatusCode, InvalidURI
        from websockets.legacy.client import connect

        quiet = QuietLogger(logging.getLogger("cachelens.reporter.websockets"), {})
        from .. import __version__

        while not self._stopping:
            self.state = "connecting"
            try:
                ws = await connect(
                    self.endpoint,
                    compression=None,  # the server does not negotiate compression (section 2)
                    origin=None,  # a non-browser client sends no Origin (403 otherwise)
                    open_timeout=self.open_timeout_s,
                    close_timeout=1,
                    max_size=MAX_MESSAGE_BYTES,
                    # Sends must not wait on a slow editor: a batch is skipped above max_buffered
                    # instead, and a stalled connection is dropped (watch()).
                    write_limit=2 * self.max_buffered,
                    logger=quiet,
                    user_agent_header=f"cachelens-py/{__version__}",
                )
            except InvalidStatusCode as refusal:
                if refusal.status_code in FINAL_STATUSES:
                    self._refuse(f"the editor refused the connection with HTTP {refusal.status_code} ({_REASONS[refusal.status_code]})")
                    return
                log.debug("the editor refused the connection: HTTP %s; retrying", refusal.status_code)
            except InvalidURI:
                self._refuse("CACHELENS_ENDPOINT is not a ws:// or wss:// URL; set it as the editor publishes it")
                return
            except Exception as error:  # refused, reset, timed out, TLS, DNS: all retried
                log.debug("could not connect to the editor: %r; retrying", error)
            else:
                if self._stopping:  # stopped while the handshake was in flight
                    _abort(ws)
                    break
                await self._session(ws)
            if self._stopping:
                break
            delay = self.backoff.next_delay()
            self.state = "waiting"
            await self._sleep(delay)
        self.state = "stopped"

    def _refuse(self, why: str) -> None:
        """Stops for good (no retry can pass), saying `why` once, as a warning."""
        self.state = "refused"
        self._announced.clear()
        self._sent.clear()
        log.warning("CacheLens: live statistics are off for this process run: %s. The application is not affected.", why)

    async def _sleep(self, seconds: float) -> None:
        assert self._wake is not None
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except asyncio.TimeoutError:
            pass

    def stop(self) -> None:
        """Ends `run()` (call on the loop): the open connection is dropped."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
        if self.ws is not None:
            _abort(self.ws)

    # -- one connection ---------------------------------------------------------------------

    async def _session(self, ws: Any) -> None:
        loop = asyncio.get_running_loop()
        self.ws = ws
        self.state = "open"
        self.paused = False  # a pause lasts as long as the connection that asked for it
        self._seq = 0
        self._announced.clear()
        self._sent.clear()
        self.backoff.opened(loop.time())
        receiver = asyncio.ensure_future(self._receive(ws))
        watchdog = asyncio.ensure_future(self._watch(ws))
        try:
            if self._on_open is not None:
                self._on_open()
            if await self._send(ws, hello_message(self.hello)):
                await self.batch(ws)
            # Ends when the connection closes: by the editor, by stop() or finish(), or by watch().
            while not receiver.done() and not watchdog.done():
                await asyncio.wait({receiver, watchdog}, timeout=self.interval_s)
                if receiver.done() or watchdog.done():
                    break
                await self.batch(ws)
        except Exception as error:
            log.debug("the connection to the editor failed: %r", error)
        finally:
            for task in (receiver, watchdog):
                task.cancel()
            await asyncio.gather(receiver, watchdog, return_exceptions=True)
            if self.ws is ws:
                self.ws = None
            if ws.transport is not None and not ws.transport.is_closing():
                _abort(ws)

    async def _watch(self, ws: Any) -> None:
        """Drops the connection when its unsent data makes no progress for `stall_s` (the editor
        stopped reading): no close handshake, the peer would not answer it."""
        loop = asyncio.get_running_loop()
        last = 0
        since: float | None = None
        period = min(self.interval_s, self.stall_s / 4)
        while True:
            await asyncio.sleep(period)
            now = loop.time()
            buffered = unsent(ws)
            if buffered == 0 or buffered < last:
                since = None if buffered == 0 else now
                self.backoff.healthy(now)
            else:
                since = now if since is None else since
                if now - since >= self.stall_s:
                    log.debug("the editor has not read %d bytes for %.1f s; dropping the connection", buffered, now - since)
                    self.backoff.stalled()
                    _abort(ws)
                    return
            last = buffered

    async def _receive(self, ws: Any) -> None:
        async for frame in ws:
            command = parse_command(frame)
            if command is not None:
                await self._handle(ws, command)

    async def _handle(self, ws: Any, command: Command) -> None:
        if command.type == "pause":
            self.paused = True
            return
        if command.type == "resume":
            self.paused = False
            await self.batch(ws)
            return
        assert command.request_id is not None
        if command.type == "trace-request":
            source = self._find(command.id or "")
            if source is None:
                await self._send(ws, result_message(command.request_id, False, f"no memoized function with id {command.id}"))
                return
            await self._send(ws, trace_message(command.request_id, command.id or "", _max_option(source)))
            return
        # clear and delete-key run the cache's own code, which may wait on a backend: off the loop.
        asyncio.ensure_future(self._answer(ws, command))

    async def _answer(self, ws: Any, command: Command) -> None:
        assert command.request_id is not None
        loop = asyncio.get_running_loop()
        try:
            error = await loop.run_in_executor(None, self._carry_out, command)
        except Exception as failure:
            error = str(failure) or type(failure).__name__
        await self._send(ws, result_message(command.request_id, error is None, error))

    def _carry_out(self, command: Command) -> str | None:
        """Runs a clear or delete-key (on an executor thread); the error text, or None when done."""
        if command.type == "clear":
            if command.id is None:
                targets = list(self._sources())
            else:
                source = self._find(command.id)
                if source is None:
                    return f"no memoized function with id {command.id}"
                targets = [source]
            failed = [t.id for t in targets if t.clear() is False]
            return f"could not clear {', '.join(failed)}" if failed else None
        source = self._find(command.id or "")
        if source is None:
            return f"no memoized function with id {command.id}"
        if source.delete_key(command.key or "") is None:
            return f"function {command.id} does not support deleting one key"
        return None

    # -- batches ----------------------------------------------------------------------------

    async def batch(self, ws: Any) -> None:
        """Sends the functions not yet announced on this connection, then (unless paused) the
        figures that changed since they were last sent on it. Skipped while more than
        `max_buffered` bytes are unsent (nothing is lost: the next batch carries the totals)."""
        assert self._batch_lock is not None
        async with self._batch_lock:
            if unsent(ws) > self.max_buffered:
                return
            sources = list(self._sources())
            fresh = [(s, text) for s in sources if self._announced.get(s.id) is not s for text in [descriptor_entry(s)] if text]
            texts = [text for _, text in fresh]
            done = 0
            for group, message in batching.functions_messages(texts):
                if not await self._send(ws, message):
                    return
                for source, _ in fresh[done:done + len(group)]:
                    self._announced[source.id] = source
                done += len(group)
            if self.paused:
                return
            changed: list[tuple[str, str]] = []
            for source in sources:
                if source.id not in self._announced:
                    continue  # its descriptor failed: the server would refuse nothing, but show an empty row
                entry = stats_entry(source)
                if entry is not None and self._sent.get(entry[0]) != entry[1]:
                    changed.append(entry)
            at = int(time.time() * 1000)
            done = 0
            for group in batching.split([text for _, text in changed]):
                self._seq += 1
                if not await self._send(ws, batching.stats_message(self._seq, at, group)):
                    return
                for fid, text in changed[done:done + len(group)]:
                    self._sent[fid] = text
                done += len(group)
            if len(self._sent) > len(sources):  # forget functions that left the registry
                live = {s.id for s in sources}
                for fid in [f for f in self._sent if f not in live]:
                    del self._sent[fid]

    async def _send(self, ws: Any, text: str) -> bool:
        try:
            await ws.send(text)
            return True
        except Exception as error:
            log.debug("a send to the editor failed: %r", error)
            return False

    # -- the end --------------------------------------------------------------------------

    async def finish(self, timeout_s: float) -> None:
        """A last batch and a polite close (1000), within `timeout_s`; then `run()` ends. The
        batch is sent only when nothing earlier is unsent; the close only when the batch left;
        otherwise the connection is dropped (5.5)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        ws = self.ws
        self._stopping = True  # no reconnection; the session ends when the close completes
        if self._wake is not None:
            self._wake.set()
        try:
            if ws is not None and self.state == "open" and unsent(ws) == 0:
                if await _within(self.batch(ws), deadline - loop.time()):
                    while unsent(ws) > 0 and loop.time() < deadline:
                        await asyncio.sleep(0.01)
                    if unsent(ws) == 0:
                        await _within(ws.close(1000, "process exiting"), deadline - loop.time())
        except Exception as error:
            log.debug("the last batch was not sent: %r", error)
        finally:
            if ws is not None:
                _abort(ws)


async def _within(step: Any, seconds: float) -> bool:
    """Runs coroutine `step` for at most `seconds`; whether it completed. Unlike `wait_for`, never
    waits for a step that is slow to cancel (a close handshake with a peer that does not answer)."""
    task = asyncio.ensure_future(step)
    await asyncio.wait({task}, timeout=max(0.0, seconds))
    if not task.done():
        task.cancel()
        return False
    return not task.cancelled() and task.exception() is None


_REASONS = {
    403: "the request carried an Origin header the editor does not allow; a browser app needs its origin in the editor's cachelens.live.allowedOrigins",
    404: "the endpoint's path is not '/': use CACHELENS_ENDPOINT exactly as the editor published it",
    426: "the request was not a WebSocket upgrade: a proxy between this process and the editor does not speak WebSocket",
}


def unsent(ws: Any) -> int:
    """Bytes written to the connection and not yet handed to the network (0 when closed)."""
    transport = getattr(ws, "transport", None)
    try:
        return int(transport.get_write_buffer_size()) if transport is not None else 0
    except Exception:
        return 0


def _abort(ws: Any) -> None:
    transport = getattr(ws, "transport", None)
    if transport is not None:
        try:
            transport.abort()
        except Exception:
            pass


def _max_option(source: Any) -> Any:
    try:
        options = source.descriptor().get("options") or {}
        return options.get("max")
    except Exception:
        return None

