"""One memoized function: its options, its store(s), its computations in flight and its counters.

A `Memo` is what the registry reports (it is a `registry.Reported`) and what `cache_of` controls.
The counters follow docs/protocol.md 3.1 exactly:

- `hits`: calls answered from the cache, including calls that join a computation in flight for
  their key (counted when they join, whatever the outcome);
- `misses`: calls that start a computation (counted when it starts);
- `errors`: computations that raised, once however many calls joined;
- `compute_ms` and `computed`: time and number of completed computations (returned or raised);
- `saved_ms`: each hit adds the mean miss time in force when it happened (`compute_ms /
  computed`), kept with a `credited` count so the figure never decreases;
- `evictions` by `size`, `expired`, `explicit`; `backend_errors`; `entries`/`bytes` gauges.

The store is created on the first call (the config file is read then); a `ConfigError` found
then is raised by that call and every later one, without running the function. A store failure is
never raised into a call: it counts as a backend error and the call computes (fail open).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Hashable, Mapping

from . import config as _config
from .call_path import CallPath, build_call_path
from .errors import CacheKeyError, CacheLensError, ConfigError
from .keys import memory_key, shared_key
from .miss_causes import MissCauses
from .stores.base import MISS, EvictionCause, Store, StoreContext
from .verify import Verifier, run_in_worker

__all__ = ["Memo", "MemoOptions"]


@dataclass(frozen=True, slots=True)
class MemoOptions:
    """The checked options of one memoized function (see `memoize`)."""

    id: str
    backend: str | None
    ttl: tuple[bool, float | None]
    """(given, milliseconds or None for no expiry)"""
    max: tuple[bool, float | None]
    """(given, entries or inf)"""
    clock: Callable[[], float]
    """milliseconds"""
    verify: float = 0.0
    """share of hits run again and compared (0: off)"""
    verify_show_values: bool = False
    """keep the values in the diff of a check that differed"""


class _Flight:
    """One computation in progress, which calls with the same key join (threads)."""

    __slots__ = ("owner", "done", "value", "error")

    def __init__(self) -> None:
        self.owner = threading.get_ident()
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class _Lead:
    """A miss this call computes, as the single-flight leader: what `Memo._finish` and `Memo._fail`
    need once the call path has called the function (it calls it itself: see `build_call_path`)."""

    __slots__ = ("store", "flight_key", "skey", "flight", "generation", "started")

    def __init__(
        self, store: Store, flight_key: Hashable, skey: Hashable, flight: _Flight, generation: int, started: float
    ) -> None:
        self.store = store
        self.flight_key = flight_key
        self.skey = skey
        self.flight = flight
        self.generation = generation
        self.started = started


class _AsyncFlight:
    """One coroutine computation in progress, which tasks of the same event loop join."""

    __slots__ = ("loop", "future")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()


class _LeaderCancelled(Exception):
    """The computation a task joined was cancelled: the joined task tries again."""


class _Events:
    """The `StoreEvents` of one memo: what its stores report lands in its counters."""

    __slots__ = ("_memo",)

    def __init__(self, memo: "Memo") -> None:
        self._memo = memo

    def evicted(self, cause: EvictionCause, count: int = 1) -> None:
        memo = self._memo
        with memo._stats_lock:
            memo._evictions[cause] = memo._evictions.get(cause, 0) + count

    def backend_error(self, error: BaseException) -> None:
        memo = self._memo
        with memo._stats_lock:
            memo._backend_errors += 1


class _State:
    """What the first call resolved: the backend and, unless per instance, the store."""

    __slots__ = ("resolved", "factory", "store", "shared", "context")

    def __init__(
        self,
        resolved: _config.ResolvedBackend,
        factory: Callable[[Mapping[str, Any], StoreContext], Store],
        context: StoreContext,
    ) -> None:
        self.resolved = resolved
        self.factory = factory
        self.context = context
        self.store: Store | None = None
        self.shared = False


class Memo:
    """One memoized function (a `registry.Reported`)."""

    def __init__(self, fn: Callable[..., Any], options: MemoOptions, *, is_async: bool, method: bool) -> None:
        self.fn = fn
        self.options = options
        self.is_async = is_async
        self.method = method
        self._id = options.id
        self._lock = threading.Lock()  # flights, state, instances
        self._stats_lock = threading.Lock()  # counters only; never held while calling a store
        self._state: _State | None = None
        self._error: ConfigError | None = None
        self._flights: dict[Hashable, Any] = {}
        # id(instance) -> (weak reference, store, its entries for the hit path or None); the same
        # dict for the memo's whole life (the call path holds it)
        self._instances: dict[int, tuple[weakref.ref[Any], Store, Any]] = {}
        self._generation = 0
        self._events = _Events(self)
        self._reset_counters()
        self._location: dict[str, Any] | None = None
        self._verify_tasks: set[Any] = set()  # async checks running (held until they end)
        miss: Callable[..., Any]
        if method:
            miss = self._method_miss_async if is_async else self._method_miss
        else:
            miss = self._miss_async if is_async else self._miss
        self.path: CallPath = build_call_path(
            fn,
            is_async=is_async,
            method=method,
            miss=miss,
            memory_key=self.key_of,
            instances=self._instances,
            lead=_Lead,
            finish=self._finish,
            fail=self._fail,
        )
        self.names = self.path.names

    # --- keys --------------------------------------------------------------------------------

    def key_of(self, values: tuple[Any, ...]) -> Hashable:
        """The in-process key of bound values (as the call path builds it)."""
        if not values:
            return ()
        return memory_key(values, self.names, self._id)

    def _store_key(self, state: _State, key: Hashable, values: tuple[Any, ...]) -> Hashable:
        if state.shared:
            return shared_key(values, self.names, self._id)
        return key

    # --- counters ----------------------------------------------------------------------------

    def _reset_counters(self) -> None:
        self._misses = 0
        self._errors = 0
        self._compute_ms = 0.0
        self._computed = 0
        self._saved_ms = 0.0
        self._credited = 0
        self._backend_errors = 0
        self._evictions: dict[str, int] = {"size": 0, "expired": 0, "explicit": 0}
        # why misses missed: exact on in-process stores only (made with the store; None elsewhere)
        self._causes: MissCauses | None = None
        # the `verify` option: None when off (then the hit paths are untouched)
        options = self.options
        self._verifier: Verifier | None = (
            Verifier(options.verify, options.verify_show_values) if options.verify > 0 else None
        )

    def _completed(self, elapsed_ms: float, failed: bool) -> None:
        """A computation completed: credit the hits so far at the mean before it (3.1)."""
        with self._stats_lock:
            hits = self.path.read_hits()
            if self._computed:
                self._saved_ms += (hits - self._credited) * self._compute_ms / self._computed
            self._credited = hits
            self._compute_ms += elapsed_ms
            self._computed += 1
            if failed:
                self._errors += 1

    def _backend_error(self) -> None:
        with self._stats_lock:
            self._backend_errors += 1

    # --- the store ---------------------------------------------------------------------------

    def _resolve(self) -> _State:
        """The first call's resolution (config, backend, store); raises the same ConfigError on
        every call when it fails."""
        state = self._state
        if state is not None:
            return state
        with self._lock:
            if self._state is not None:
                return self._state
            if self._error is not None:
                raise self._error
            try:
                resolved = _config.resolve_backend(
                    _config.get_config(), self.options.backend, self.options.ttl, self.options.max
                )
                factory = _config.store_factory(resolved.type, resolved.name)
                context = StoreContext(namespace=self._id, now=self.options.clock, events=self._events)
                state = _State(resolved, factory, context)
                if not self.method or resolved.type not in _config.IN_PROCESS_BACKEND_TYPES:
                    store = self._create_store(state)
                    state.store = store
                    state.shared = bool(getattr(store, "shared", False))
                    self._count_causes(resolved, state.shared)
                    direct = getattr(store, "direct", None)
                    # a verified function's hits go through `_begin`, where the verifier sees them
                    if direct is not None and not self.method and not state.shared and self._verifier is None:
                        data, now = direct()
                        self.path.use_ttl(resolved.ttl_ms is not None)
                        self.path.bind(data, now)
                elif self.method:
                    self._count_causes(resolved, False)
                    self.path.use_ttl(resolved.ttl_ms is not None)
            except ConfigError as exc:
                self._error = exc
                raise
            self._state = state
            return state

    def _count_causes(self, resolved: _config.ResolvedBackend, shared: bool) -> None:
        if shared or resolved.type not in _config.IN_PROCESS_BACKEND_TYPES:
            return
        bound = resolved.max if resolved.max is not None and resolved.max != float("inf") else 16_384
        self._causes = MissCauses(resolved.ttl_ms, max(1024, int(4 * bound)))
        if self._verifier is not None:  # the mutation check remembers as many cached values
            self._verifier.capacity = max(1024, int(4 * bound))

    def _cause(self, method: str, store: Store, skey: Hashable, arg: Any) -> None:
        """Tells the miss classification about `skey` of `store` (keys of instances kept apart)."""
        causes = self._causes
        if causes is not None:
            with self._stats_lock:
                getattr(causes, method)((id(store), skey), arg)

    def _create_store(self, state: _State) -> Store:
        """The backend's factory; any failure of it is a `ConfigError` naming the backend (a
        factory raises only for a bad config: connecting happens on use, and fails open)."""
        resolved = state.resolved
        try:
            return state.factory(resolved.config, state.context)
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(
                f'cachelens: {self._id}: creating its "{resolved.type}" backend "{resolved.name}" failed: {exc!r}',
                file=resolved.file,
            ) from exc

    def _instance_store(self, state: _State, instance: Any) -> Store:
        """The store of one instance (in-process backends): created on its first call, dropped
        when the instance is collected (the instance is held weakly)."""
        if state.store is not None:
            return state.store
        ident = id(instance)
        held = self._instances.get(ident)
        if held is not None and held[0]() is instance:
            return held[1]
        with self._lock:
            held = self._instances.get(ident)
            if held is not None and held[0]() is instance:
                return held[1]
            instances = self._instances

            def forget(_ref: weakref.ref[Any], ident: int = ident) -> None:
                entry = instances.get(ident)
                if entry is not None and entry[0] is _ref:
                    del instances[ident]

            try:
                ref = weakref.ref(instance, forget)
            except TypeError:
                cls = type(instance)
                raise CacheKeyError(
                    f"cachelens: {self._id}: argument `{self.fn.__code__.co_varnames[0] if hasattr(self.fn, '__code__') else 'self'}` "
                    f"({cls.__qualname__}) cannot be held weakly, so its cache cannot be per instance: "
                    f"{cls.__qualname__} has __slots__ without '__weakref__'. Add '__weakref__' to its __slots__, "
                    "or memoize a function of the fields that matter",
                    parameter="self",
                ) from None
            store = self._create_store(state)
            direct = getattr(store, "direct", None)
            entries = None
            if direct is not None and not getattr(store, "shared", False) and self._verifier is None:
                entries, now = direct()
                self.path.bind({}, now)  # the clock of the entries' expiry (one for every instance)
            instances[ident] = (ref, store, entries)
            return store

    def _get(self, store: Store, key: Hashable) -> Any:
        try:
            return store.get(key)
        except Exception:  # fail open: the store should not raise, but a miss is always safe
            self._backend_error()
            return MISS

    def _set(self, store: Store, key: Hashable, value: Any, generation: int) -> None:
        if generation != self._generation:
            self._cause("lost", store, key, "invalidated")
            return  # cleared while computing: the value is returned, not stored
        self._cause("wrote", store, key, self.options.clock())
        verifier = self._verifier
        if verifier is not None and self._state is not None and not self._state.shared:
            verifier.cached((id(store), key), value)
        try:
            store.set(key, value, self._state.resolved.ttl_ms if self._state else None)
        except Exception:
            self._backend_error()

    def _verify(self, store: Store, flight_key: Hashable, skey: Hashable, value: Any, compute: Callable[[], Any]) -> None:
        """A hit of a verified function: for the sampled share, a check on the worker thread."""
        verifier = self._verifier
        if verifier is None or not verifier.sample():
            return
        flights = self._flights
        if flight_key in flights:  # being computed (or refreshed): not checked
            verifier.done()
            return
        try:
            run_in_worker(lambda: verifier.check((id(store), skey), value, compute, lambda: flight_key in flights))
        except BaseException:  # noqa: BLE001 - no thread could start: the check is skipped
            verifier.done()

    def _verify_async(self, store: Store, flight_key: Hashable, skey: Hashable, value: Any, compute: Callable[[], Any]) -> None:
        """A hit of a verified coroutine function: for the sampled share, a task of the running loop."""
        verifier = self._verifier
        if verifier is None or not verifier.sample():
            return
        flights = self._flights
        if flight_key in flights:
            verifier.done()
            return
        try:
            task = asyncio.get_running_loop().create_task(
                verifier.check_async((id(store), skey), value, compute, lambda: flight_key in flights)
            )
        except BaseException:  # noqa: BLE001
            verifier.done()
            return
        tasks = self._verify_tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    # --- the miss path (sync) ----------------------------------------------------------------

    def _miss(self, values: tuple[Any, ...]) -> Any:
        """The value of a call the hit path did not answer, or a `_Lead` when this call computes it."""
        key = self.key_of(values)
        state = self._state or self._resolve()
        store = state.store
        assert store is not None
        return self._begin(state, store, key, self._store_key(state, key, values), lambda: self.path.invoke(values))

    def _method_miss(self, instance: Any, values: tuple[Any, ...]) -> Any:
        key = self.key_of(values)
        state = self._state or self._resolve()
        store = self._instance_store(state, instance)
        flight_key = key if state.store is not None else (id(instance), key)
        return self._begin(
            state, store, flight_key, self._store_key(state, key, values), lambda: self.path.invoke(instance, values)
        )

    def _begin(self, state: _State, store: Store, flight_key: Hashable, skey: Hashable, compute: Callable[[], Any]) -> Any:
        """The miss path up to the computation: the value (found in the store now, or computed by
        the flight this call joined), or a `_Lead` when this call computes it (`compute` is only
        for a verify check of a hit; the call path calls the function itself)."""
        value = self._get(store, skey)
        if value is not MISS:
            self.path.add_hits(1)
            if self._verifier is not None:
                self._verify(store, flight_key, skey, value, compute)
            return value
        me = threading.get_ident()
        # a recursive call of the computing thread computes apart instead of waiting for itself
        outcome, found, generation = self._claim(state, store, flight_key, skey, lambda f: f.owner != me, _Flight)
        if outcome == "hit":
            return found
        if outcome == "join":
            found.done.wait()
            if found.error is not None:
                raise found.error
            return found.value
        return _Lead(store, flight_key, skey, found, generation, self.options.clock())

    def _finish(self, lead: _Lead, value: Any) -> Any:
        """The computation `lead` stood for returned `value`: stored, handed to the calls that
        joined, and returned."""
        self._completed(self.options.clock() - lead.started, False)
        self._set(lead.store, lead.skey, value, lead.generation)
        lead.flight.value = value
        self._end_flight(lead.flight_key, lead.flight)
        return value

    def _fail(self, lead: _Lead, error: BaseException) -> None:
        """The computation `lead` stood for raised `error` (the call path raises it on): nothing
        stored; the calls that joined raise it too."""
        self._completed(self.options.clock() - lead.started, True)
        self._cause("lost", lead.store, lead.skey, "notCacheable")
        lead.flight.error = error
        self._end_flight(lead.flight_key, lead.flight)

    def _claim(
        self,
        state: _State,
        store: Store,
        flight_key: Hashable,
        skey: Hashable,
        joinable: Callable[[Any], bool],
        new_flight: Callable[[], Any],
    ) -> tuple[str, Any, int]:
        """After a miss, under the lock: `("hit", value, 0)` when an in-process store was filled
        meanwhile; `("join", flight, 0)` for a computation in flight (a hit, counted now); else
        `("lead", flight, generation)`: a new computation, counted as a miss."""
        with self._lock:
            flight = self._flights.get(flight_key)
            if flight is None and not state.shared:
                value = self._get(store, skey)
                if value is not MISS:
                    self.path.add_hits(1)
                    return "hit", value, 0
            if flight is not None and joinable(flight):
                self.path.add_hits(1)
                return "join", flight, 0
            leader = new_flight()
            if flight is None:
                self._flights[flight_key] = leader
            with self._stats_lock:
                self._misses += 1
                if self._causes is not None:
                    self._causes.miss((id(store), skey), self.options.clock())
            return "lead", leader, self._generation

    def _end_flight(self, flight_key: Hashable, flight: _Flight) -> None:
        with self._lock:
            if self._flights.get(flight_key) is flight:
                del self._flights[flight_key]
        flight.done.set()

    # --- the miss path (async) ---------------------------------------------------------------

    async def _miss_async(self, values: tuple[Any, ...]) -> Any:
        key = self.key_of(values)
        state = self._state or self._resolve()
        store = state.store
        assert store is not None
        return await self._lookup_async(
            state, store, key, self._store_key(state, key, values), lambda: self.path.invoke(values)
        )

    async def _method_miss_async(self, instance: Any, values: tuple[Any, ...]) -> Any:
        key = self.key_of(values)
        state = self._state or self._resolve()
        store = self._instance_store(state, instance)
        flight_key = key if state.store is not None else (id(instance), key)
        return await self._lookup_async(
            state, store, flight_key, self._store_key(state, key, values), lambda: self.path.invoke(instance, values)
        )

    async def _lookup_async(
        self, state: _State, store: Store, flight_key: Hashable, skey: Hashable, compute: Callable[[], Any]
    ) -> Any:
        while True:
            value = self._get(store, skey)
            if value is not MISS:
                self.path.add_hits(1)
                if self._verifier is not None:
                    self._verify_async(store, flight_key, skey, value, compute)
                return value
            loop = asyncio.get_running_loop()
            outcome, found, generation = self._claim(
                state, store, flight_key, skey, lambda f: f.loop is loop, lambda: _AsyncFlight(loop)
            )
            if outcome == "hit":
                return found
            if outcome == "lead":
                leader: _AsyncFlight = found
                break
            try:
                return await asyncio.shield(found.future)
            except _LeaderCancelled:
                continue  # the computing task was cancelled: try again
        clock = self.options.clock
        started = clock()
        try:
            value = await compute()
        except asyncio.CancelledError:
            self._completed(clock() - started, True)
            self._end_async_flight(flight_key, leader)
            leader.future.set_exception(_LeaderCancelled())
            leader.future.exception()  # retrieved: no "never retrieved" warning
            raise
        except BaseException as exc:
            self._completed(clock() - started, True)
            self._cause("lost", store, skey, "notCacheable")
            self._end_async_flight(flight_key, leader)
            leader.future.set_exception(exc)
            leader.future.exception()
            raise
        self._completed(clock() - started, False)
        self._set(store, skey, value, generation)
        self._end_async_flight(flight_key, leader)
        leader.future.set_result(value)
        return value

    def _end_async_flight(self, flight_key: Hashable, flight: _AsyncFlight) -> None:
        with self._lock:
            if self._flights.get(flight_key) is flight:
                del self._flights[flight_key]

    # --- control (cache_of, the panel) -------------------------------------------------------

    def _stores(self) -> list[Store]:
        state = self._state
        if state is None:
            return []
        if state.store is not None:
            return [state.store]
        return [store for ref, store, _ in list(self._instances.values()) if ref() is not None]

    def store_for(self, instance: Any | None) -> Store | None:
        """The store a call would use (None: no call yet and none needed to answer)."""
        state = self._resolve()
        if state.store is not None:
            return state.store
        if instance is None:
            return None
        return self._instance_store(state, instance)

    def store_key(self, values: tuple[Any, ...]) -> Hashable:
        """The store's key of bound values (the shared text key for shared stores)."""
        state = self._resolve()
        key = self.key_of(values)
        return self._store_key(state, key, values)

    def clear(self) -> bool:
        """Empties every store of the function (every instance's). True when confirmed."""
        return self._clear(self._stores())

    def clear_instance(self, instance: Any) -> bool:
        """Empties one instance's store (per-instance caches); the shared store otherwise."""
        state = self._state
        if state is None or state.store is not None:
            return self._clear(self._stores())
        held = self._instances.get(id(instance))
        return self._clear([held[1]] if held is not None and held[0]() is instance else [])

    def _clear(self, stores: list[Store]) -> bool:
        with self._lock:
            self._generation += 1  # values being computed are returned, not stored
        if self._causes is not None:
            with self._stats_lock:
                self._causes.cleared()
        confirmed = True
        for store in stores:
            try:
                confirmed = bool(store.clear()) and confirmed
            except Exception:
                self._backend_error()
                confirmed = False
        return confirmed

    def delete(self, instance: Any | None, values: tuple[Any, ...]) -> bool:
        """Removes the entry of these bound values; True when a live entry was removed."""
        store = self.store_for(instance)
        if store is None:
            return False
        key = self.store_key(values)
        self._cause("lost", store, key, "invalidated")
        try:
            return bool(store.delete(key))
        except Exception:
            self._backend_error()
            return False

    def has(self, instance: Any | None, values: tuple[Any, ...]) -> bool:
        """True when a live entry exists for these bound values."""
        state = self._resolve()
        if state.store is None and instance is not None:
            held = self._instances.get(id(instance))
            if held is None or held[0]() is not instance:
                return False
        store = self.store_for(instance)
        if store is None:
            return False
        return self._get(store, self.store_key(values)) is not MISS

    def used(self) -> bool:
        """True once a call reached the store (or failed to configure it)."""
        return self._state is not None or self._error is not None or self.path.read_hits() > 0

    # --- registry.Reported -------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._id

    def descriptor(self) -> Mapping[str, Any]:
        options: dict[str, Any] = {}
        backend = self.options.backend or "memory"
        backend_type = backend
        try:
            resolved = (
                self._state.resolved
                if self._state is not None
                else _config.resolve_backend(_config.get_config(), self.options.backend, self.options.ttl, self.options.max)
            )
            backend, backend_type = resolved.name, resolved.type
            ttl_ms, max_entries = resolved.ttl_ms, resolved.max
        except CacheLensError:
            ttl_ms, max_entries = self.options.ttl[1], self.options.max[1]
        if ttl_ms is not None:
            options["ttl"] = ttl_ms / 1000
        if max_entries is not None:
            options["max"] = int(max_entries) if max_entries != float("inf") else "Infinity"
        out: dict[str, Any] = {"id": self._id, "backend": backend, "backendType": backend_type, "options": options}
        if self._location is not None:
            out["location"] = dict(self._location)
        return out

    def snapshot(self) -> Mapping[str, Any]:
        entries = size = 0
        health = "ok"
        for store in self._stores():
            try:
                entries += int(store.entries())
                size += int(store.bytes())
                if store.health() != "ok":
                    health = "degraded"
            except Exception:
                health = "degraded"
        with self._stats_lock:
            hits = self.path.read_hits()
            saved = self._saved_ms
            if self._computed:
                saved += (hits - self._credited) * self._compute_ms / self._computed
            causes = self._causes.snapshot() if self._causes is not None else None
            verified = self._verifier.snapshot() if self._verifier is not None else None
            return {
                **({"missCauses": causes} if causes is not None else {}),
                **({"verify": verified} if verified is not None else {}),
                "id": self._id,
                "hits": hits,
                "misses": self._misses,
                "errors": self._errors,
                "evictions": dict(self._evictions),
                "entries": entries,
                "bytes": size,
                "computeMs": self._compute_ms,
                "computed": self._computed,
                "savedMs": saved,
                "staleServed": 0,
                "backendErrors": self._backend_errors,
                "health": health,
            }

    def delete_key(self, key: str) -> bool | None:
        """Removes an entry by its printed key: supported on shared stores (their keys are text)."""
        state = self._state
        if state is None or state.store is None or not state.shared:
            return None
        try:
            return bool(state.store.delete(key))
        except Exception:
            self._backend_error()
            return False

    # --- fork --------------------------------------------------------------------------------

    def after_fork_in_child(self) -> None:
        """In a forked child: empty caches, zero counters, fresh locks, nothing in flight. The
        stores are dropped (not closed: their connections belong to the parent) and made again
        on the next call."""
        self._lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._flights = {}
        self._verify_tasks = set()
        self._instances.clear()
        self._state = None
        self._error = None
        self.path.use_ttl(False)
        self.path.bind({}, lambda: 0.0)
        self.path.reset_hits()
        self._reset_counters()
