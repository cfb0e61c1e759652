"""`memoize` and `cache_of`: cache a function's results and control its cache.

    from cachelens import memoize, cache_of

    @memoize(ttl="5m", max=1000)
    def prices_by_region(region: str) -> dict: ...

    @memoize                      # every option is optional
    async def user(user_id: int) -> dict: ...

    class Repo:
        @memoize(ttl=60)          # per instance; instances are not kept alive
        def find(self, key: str) -> dict: ...

    cache_of(prices_by_region).stats()      # hits, misses, errors, evictions, entries, bytes, ...
    cache_of(prices_by_region).delete("eu") # True if an entry was removed

Calls are keyed by their bound arguments (see `cachelens.keys`); concurrent calls with one key
share one computation (threads for `def`, tasks of one event loop for `async def`); exceptions
are never cached. Each memoized function is reported to the CacheLens panel (`cachelens.registry`).
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import threading
import types
import weakref
from typing import Any, Callable, TypeVar, overload

from . import config, registry
from .clock import monotonic_ms
from .errors import OptionsError
from .ids import MAX_ID_LENGTH, default_id, location
from .limits import duration_range_problem, entries_problem, show
from .memo import Memo, MemoOptions
from .units import Problem, duration_ms
from .verify import verify_from_environment, verify_share_problem

__all__ = ["memoize", "cache_of", "CacheHandle"]

F = TypeVar("F", bound=Callable[..., Any])

_memos: "weakref.WeakKeyDictionary[Any, Memo]" = weakref.WeakKeyDictionary()
"""Every wrapper `memoize` made -> its memo (what `cache_of` finds; nothing is set on the wrapper)."""
_all_memos: "weakref.WeakSet[Memo]" = weakref.WeakSet()
_fork_hook_lock = threading.Lock()
_fork_hook_registered = False

_OPTIONS = ("backend", "ttl", "max", "id", "clock", "verify", "verify_show_values")


def _after_fork_in_child() -> None:
    registry.reset_after_fork()
    config.reset_after_fork()
    for memo in list(_all_memos):
        memo.after_fork_in_child()


def _register_fork_hook() -> None:
    global _fork_hook_registered
    if _fork_hook_registered:
        return
    with _fork_hook_lock:
        if not _fork_hook_registered and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _fork_hook_registered = True


def _check_options(
    fn: Callable[..., Any],
    backend: object,
    ttl: object,
    max: object,
    id: object,
    clock: object,
    verify: object = None,
    verify_show_values: object = None,
) -> MemoOptions:
    if backend is not None and not (isinstance(backend, str) and 1 <= len(backend) <= MAX_ID_LENGTH):
        raise OptionsError(
            f"cachelens: option `backend` must be a backend name of cachelens.config.json or a type "
            f"(memory, lru, disk, redis, memcached, tiered), 1 to {MAX_ID_LENGTH} characters; got {show(backend)}",
            option="backend",
        )
    ttl_ms: float | None = None
    if ttl is not None:
        parsed = duration_ms(ttl)
        if isinstance(parsed, Problem):
            raise OptionsError(f"cachelens: option `ttl` {parsed.problem}", option="ttl")
        problem = duration_range_problem(parsed, ttl)
        if problem is not None:
            raise OptionsError(f"cachelens: option `ttl` {problem}", option="ttl")
        ttl_ms = parsed
    max_entries: float | None = None
    if max is not None:
        problem = entries_problem(max, True)
        if problem is not None:
            raise OptionsError(f"cachelens: option `max` {problem}", option="max")
        max_entries = float(max)  # type: ignore[arg-type]
    if id is None:
        function_id = default_id(fn)
    elif isinstance(id, str) and id != "":
        function_id = id
    else:
        raise OptionsError(f"cachelens: option `id` must be a non-empty string; got {show(id)}", option="id")
    if len(function_id) > MAX_ID_LENGTH:
        given = "given" if id is not None else f"derived from {getattr(fn, '__qualname__', fn)!r}"
        raise OptionsError(
            f"cachelens: option `id` must be at most {MAX_ID_LENGTH} characters (code points); "
            f"the id {given} has {len(function_id)}; pass a shorter id",
            option="id",
        )
    if clock is not None and not callable(clock):
        raise OptionsError(
            f"cachelens: option `clock` must be a function returning milliseconds (a float); got {show(clock)}",
            option="clock",
        )
    if verify is not None:
        problem = verify_share_problem(verify)
        if problem is not None:
            raise OptionsError(f"cachelens: option `verify` {problem}", option="verify")
    if verify_show_values is not None and not isinstance(verify_show_values, bool):
        raise OptionsError(
            f"cachelens: option `verify_show_values` must be True or False; got {show(verify_show_values)}",
            option="verify_show_values",
        )
    if verify is None or verify_show_values is None:
        env_share, env_show = verify_from_environment()
        if verify is None:
            verify = env_share
        if verify_show_values is None:
            verify_show_values = env_show
    return MemoOptions(
        id=function_id,
        backend=backend,  # type: ignore[arg-type]
        ttl=(ttl is not None, ttl_ms),
        max=(max is not None, None if max_entries is None else (math.inf if math.isinf(max_entries) else max_entries)),
        clock=clock if clock is not None else monotonic_ms,  # type: ignore[arg-type]
        verify=float(verify),  # type: ignore[arg-type]
        verify_show_values=bool(verify_show_values),
    )


def _in_class_body(fn: Callable[..., Any]) -> bool:
    """True when `fn` was defined in a class body (its qualified name's parent is not a function)."""
    qualname = getattr(fn, "__qualname__", "")
    if "." not in qualname:
        return False
    parent = qualname.rsplit(".", 1)[0].rsplit(".", 1)[-1]
    return parent != "<locals>"


def _make(fn: Callable[..., Any], options: MemoOptions, method: bool) -> tuple[Memo, Callable[..., Any]]:
    memo = Memo(fn, options, is_async=inspect.iscoroutinefunction(fn), method=method)
    memo._location = location(fn)
    wrapper = memo.path.wrapper
    functools.update_wrapper(wrapper, fn)
    _memos[wrapper] = memo
    _all_memos.add(memo)
    registry.register(memo)
    return memo, wrapper


class _MethodSlot:
    """What `@memoize` leaves in a class body until the class is made: at `__set_name__` it puts
    the per-instance wrapper in its place (a plain function, so attribute lookup and binding cost
    what they cost for any method). Used where no class calls `__set_name__` (wrapped in
    `staticmethod`, or called directly), it is the plain memoized function.

    The memo is made (and registered) at once, as a method when the first parameter is `self`,
    else as a plain function; `__set_name__` or the first call makes it again the other way if
    the guess was wrong and nothing has been cached yet."""

    def __init__(self, fn: Callable[..., Any], options: MemoOptions) -> None:
        self._fn = fn
        self._options = options
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]
        params = _parameters(fn)
        self._made = _make(fn, options, method=bool(params) and params[0] == "self")
        _memos[self] = self._made[0]

    def _memo(self, method: bool) -> tuple[Memo, Callable[..., Any]]:
        with self._lock:
            memo = self._made[0]
            if memo.method != method:
                if memo.used():
                    raise OptionsError(
                        f"cachelens: {self._options.id} is used both as a method and as a plain function; "
                        "memoize it once for each use",
                        option="id",
                    )
                self._made = _make(self._fn, self._options, method)
                _memos[self] = self._made[0]
            return self._made

    def __set_name__(self, owner: type, name: str) -> None:
        _, wrapper = self._memo(True)
        setattr(owner, name, wrapper)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        _, wrapper = self._memo(True)
        return types.MethodType(wrapper, instance)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._made[1](*args, **kwargs)


def _parameters(fn: Callable[..., Any]) -> list[str]:
    try:
        return list(inspect.signature(fn, follow_wrapped=False).parameters)
    except (TypeError, ValueError):
        return []


@overload
def memoize(fn: F) -> F: ...


@overload
def memoize(
    fn: None = None,
    *,
    backend: str | None = None,
    ttl: float | str | None = None,
    max: float | None = None,
    id: str | None = None,
    clock: Callable[[], float] | None = None,
    verify: float | None = None,
    verify_show_values: bool | None = None,
) -> Callable[[F], F]: ...


def memoize(
    fn: Any = None,
    *,
    backend: str | None = None,
    ttl: float | str | None = None,
    max: float | None = None,
    id: str | None = None,
    clock: Callable[[], float] | None = None,
    verify: float | None = None,
    verify_show_values: bool | None = None,
    **unknown: Any,
) -> Any:
    """Caches the results of `fn`, by its arguments. Use as `@memoize` or `@memoize(...)`.

    Options (all optional; an option wins over the backend's entry in cachelens.config.json,
    which wins over the file's `defaults`):

    - `backend`: a backend name of cachelens.config.json or a type (`"memory"`, `"lru"`,
      `"disk"`, `"redis"`, `"memcached"`, `"tiered"`). Default: `defaults.backend`, else `"memory"`.
    - `ttl`: how long a result lives: seconds (`30`, `0.5`) or `"500ms"`, `"30s"`, `"5m"`,
      `"1.5h"`, `"1d"`; at most 100 years; `0`, `inf` or `None`: no expiry. Default: the
      backend's or `defaults.ttl`, else no expiry.
    - `max`: entries of an in-memory backend (1 to 16,777,216, or `math.inf`). Default: the
      backend's, else `defaults.max`, else 1000.
    - `id`: the stable name in the panel and the key namespace in shared stores, at most 4096
      code points. Default `<path relative to the app root>#<qualified name>`.
    - `clock`: a function returning milliseconds (a float), used for TTLs and to time
      computations (tests pass a fake clock). Default: the monotonic clock.
    - `verify`: the share of hits (0 to 1) for which the function is **run again, side effects
      included**, after the hit has returned its cached value, and the result compared with the
      cached value by structure: for development and staging, not production. `0`: off (even
      when `CACHELENS_VERIFY` is set); `1`: every hit. What it finds is in
      `cache_of(f).stats()["verify"]` and the panel's "Is it still right?". Default: the
      `CACHELENS_VERIFY` environment variable (a share), else 0. A verified function's hits take
      the general path (not the direct or C one); a function without it pays nothing.
    - `verify_show_values`: show the values in the diff of a check that differed, not only the
      paths and types (they are sent to the editor's panel: leave it off for personal data or
      secrets). Default: `CACHELENS_VERIFY_SHOW_VALUES=1`, else False.

    Works on `def` and `async def` functions and methods (per instance, held weakly), with
    `staticmethod`/`classmethod` on either side. Bad options raise `OptionsError` here; problems
    of the config file raise `ConfigError` from the first call, without running the function;
    arguments that cannot be keyed raise `CacheKeyError` before it runs.
    """
    if unknown:
        name = sorted(unknown)[0]
        raise OptionsError(
            f"cachelens: unknown option `{name}` of memoize; the options are {', '.join(_OPTIONS)}", option=name
        )

    def decorate(target: Any) -> Any:
        if isinstance(target, staticmethod):
            return staticmethod(_decorate(target.__func__, plain=True))
        if isinstance(target, classmethod):
            return classmethod(_decorate(target.__func__, plain=True))
        return _decorate(target, plain=False)

    def _decorate(target: Any, plain: bool) -> Any:
        if isinstance(target, (staticmethod, classmethod)):
            return decorate(target)
        if not callable(target):
            raise OptionsError(
                f"cachelens: memoize needs a function, got {show(target)}; write @memoize or @memoize(...)",
                option="fn",
            )
        if inspect.isclass(target):
            raise OptionsError(f"cachelens: memoize needs a function, got the class {target.__qualname__}", option="fn")
        if inspect.isgeneratorfunction(target) or inspect.isasyncgenfunction(target):
            raise OptionsError(
                f"cachelens: {getattr(target, '__qualname__', target)} is a generator function: its result is a "
                "one-use iterator, which a cache would hand out empty. Memoize a function that returns a list "
                "(or a tuple) of the items instead",
                option="fn",
            )
        options = _check_options(target, backend, ttl, max, id, clock, verify, verify_show_values)
        _register_fork_hook()
        if not plain and _in_class_body(target):
            return _MethodSlot(target, options)
        return _make(target, options, method=False)[1]

    if fn is None:
        return decorate
    return decorate(fn)


class CacheHandle:
    """The controls of one memoized function (from `cache_of`)."""

    def __init__(self, memo: Memo, instance: Any = None, bound: bool = False, prefix: tuple[Any, ...] = ()) -> None:
        self._memo = memo
        self._instance = instance
        self._bound = bound
        self._prefix = prefix

    @property
    def id(self) -> str:
        """The function's id (the panel's row)."""
        return self._memo.id

    def stats(self) -> dict[str, Any]:
        """The function's counters (every instance's, for a method), cumulative since it was made:
        `hits`, `misses`, `errors` (computations that raised), `evictions` (`size`, `expired`,
        `explicit`), `entries` and `bytes` held now, `compute_ms`, `computed`, `saved_ms`
        (milliseconds), `backend_errors`, `health` (`"ok"` or `"degraded"`), and, on the in-process
        stores, `miss_causes`: misses by cause (`cold`, `expired`, `evicted`, `invalidated`,
        `notCacheable`; the protocol's other causes stay 0), absent before the first miss, and,
        with the `verify` option, `verify`: `checked` (hits run again and compared), `differed`
        (results that were not the cached value), `failed` (re-runs that raised), `mutated`
        (checks that found the cached value changed since it was cached) and, once one differed,
        `diff`: `{"paths": [{"path", "cached", "fresh"}], "values": bool}`, the first differing
        pair (at most 5 paths, types only unless `verify_show_values`)."""
        s = self._memo.snapshot()
        causes = s.get("missCauses")
        verified = s.get("verify")
        return {
            **({"miss_causes": {k: v for k, v in causes.items() if k != "ttlMs"}} if causes is not None else {}),
            **({"verify": verified} if verified is not None else {}),
            "hits": s["hits"],
            "misses": s["misses"],
            "errors": s["errors"],
            "evictions": dict(s["evictions"]),
            "entries": s["entries"],
            "bytes": s["bytes"],
            "compute_ms": s["computeMs"],
            "computed": s["computed"],
            "saved_ms": s["savedMs"],
            "backend_errors": s["backendErrors"],
            "health": s["health"],
        }

    def clear(self) -> bool:
        """Empties the cache (for a method reached through an instance, that instance's; else
        every instance's). True when done and confirmed by the backend. A value being computed
        meanwhile is returned to its caller but not stored."""
        if self._bound:
            return self._memo.clear_instance(self._instance)
        return self._memo.clear()

    def _values(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
        memo = self._memo
        call_args = self._prefix + args
        if memo.method and self._bound:
            call_args = (self._instance,) + call_args
        try:
            bound = inspect.signature(memo.fn, follow_wrapped=False).bind(*call_args, **kwargs)
        except TypeError as exc:
            raise OptionsError(f"cachelens: {memo.id}: the arguments do not fit the function: {exc}", option="args") from None
        bound.apply_defaults()
        values = tuple(bound.arguments.values())
        if memo.method:
            return values[0], values[1:]
        return None, values

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        """Removes the entry of these arguments (given as in a call); True if a live one was there."""
        instance, values = self._values(args, kwargs)
        return self._memo.delete(instance, values)

    def has(self, *args: Any, **kwargs: Any) -> bool:
        """True when a live entry exists for these arguments (given as in a call)."""
        instance, values = self._values(args, kwargs)
        return self._memo.has(instance, values)

    def __repr__(self) -> str:
        return f"<CacheHandle {self._memo.id}>"


def _find(obj: Any) -> Memo | None:
    try:
        return _memos.get(obj)
    except TypeError:
        return None


def cache_of(fn: Any) -> CacheHandle:
    """The controls of a memoized function: `stats()`, `clear()`, `delete(*args, **kwargs)`,
    `has(*args, **kwargs)`. For a method, pass it through an instance (`cache_of(repo.find)`) to
    control that instance's cache, or through the class (`cache_of(Repo.find)`, then pass the
    instance first to `delete`/`has`) for every instance's. Raises `OptionsError` for a function
    `memoize` did not make."""
    target = fn
    if isinstance(target, (staticmethod, classmethod)):
        target = target.__func__
    if isinstance(target, types.MethodType):
        memo = _find(target.__func__)
        if memo is not None:
            if memo.method:
                return CacheHandle(memo, target.__self__, bound=True)
            return CacheHandle(memo, prefix=(target.__self__,))  # a classmethod: cls comes first
    memo = _find(target)
    if memo is None:
        raise OptionsError(
            f"cachelens: cache_of needs a function made by memoize, got {show(fn) if not callable(fn) else repr(fn)}",
            option="fn",
        )
    return CacheHandle(memo)
