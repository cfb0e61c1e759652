"""Flask-Caching: one row per `@cache.memoize` / `@cache.cached` function.

Flask-Caching 2.0.2 (Debian's) sends no hit or miss signal (those came in 2.5), so the watcher
counts at the decorators: `cachelens.watch(cache)` replaces the `memoize` and `cached` methods of
that one `Cache` object (its class and every other `Cache` are untouched) by ones that decorate
as before and also count:

- calls: the decorated function was called;
- misses: the function itself ran (the decorator found no entry, was bypassed by `unless`, or
  could not reach its backend), timed for `computeMs` and `savedMs`; an exception is an error;
- hits: calls that did not run the function.

So the `Cache` has to be watched before the modules that decorate with it are imported:
`cache = cachelens.watch(Cache(...))` where it is created. Functions decorated before that keep
their undecorated-by-us wrapper; `watch` names them in one warning.

Entries are not shown (a Flask-Caching backend cannot count one function's entries). The panel's
Clear empties a memoized function (`cache.delete_memoized`); a `cached` view's keys depend on the
request path, so Clear on it answers "not supported".
"""

from __future__ import annotations

import functools
import inspect
import sys
import threading
import time
import warnings
from typing import Any, Callable

from ._common import Watched, WatchError, stats_entry
from ._source import app_root, default_app_root, function_id, function_location, is_app_file

__all__ = ["FlaskCachingWatch", "FunctionRow", "is_flask_cache", "watch_flask_cache"]

_WATCHED_ATTR = "_cachelens_watched"


def is_flask_cache(obj: Any) -> bool:
    """Whether `obj` is a Flask-Caching `Cache` (without importing flask_caching)."""
    module = sys.modules.get("flask_caching")
    return module is not None and isinstance(obj, getattr(module, "Cache", ()))


def _cache_type(cache: Any) -> str:
    for config in (getattr(cache, "config", None), getattr(getattr(cache, "app", None), "config", None)):
        if isinstance(config, dict) or hasattr(config, "get"):
            value = config.get("CACHE_TYPE") if config is not None else None
            if value:
                return str(value)
    return "null"


def _default_timeout(cache: Any) -> Any:
    for config in (getattr(cache, "config", None), getattr(getattr(cache, "app", None), "config", None)):
        if config is not None and hasattr(config, "get") and config.get("CACHE_DEFAULT_TIMEOUT") is not None:
            return config.get("CACHE_DEFAULT_TIMEOUT")
    return 300


class FunctionRow(Watched):
    """One decorated function's row."""

    def __init__(self, cache: Any, fn: Callable[..., Any], kind: str, timeout: Any) -> None:
        source_id = function_id(fn)
        super().__init__(source_id, {"decorator": kind, "timeout": timeout}, function_location(fn))
        self._cache = cache
        self._kind = kind
        self.decorated: Callable[..., Any] | None = None
        self._local = threading.local()

    def descriptor(self) -> dict[str, Any]:
        """The descriptor; the backend type is read now (`init_app` may come after decorating)."""
        self.backend_type = f"flask-caching:{_cache_type(self._cache)}"
        timeout = self._options.get("timeout")
        self._options["ttl"] = timeout if timeout is not None else _default_timeout(self._cache)
        return super().descriptor()

    def counted(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """`fn`, counting each run as a miss (timed; an exception is an error)."""
        counters = self.counters
        local = self._local

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                local.ran = True
                with counters.lock:
                    counters.misses += 1
                started = time.perf_counter()
                failed = True
                try:
                    result = await fn(*args, **kwargs)
                    failed = False
                    return result
                finally:
                    counters.completed((time.perf_counter() - started) * 1000.0, failed)

            return run_async

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            local.ran = True
            with counters.lock:
                counters.misses += 1
            started = time.perf_counter()
            failed = True
            try:
                result = fn(*args, **kwargs)
                failed = False
                return result
            finally:
                counters.completed((time.perf_counter() - started) * 1000.0, failed)

        return run

    def calls(self, decorated: Callable[..., Any]) -> Callable[..., Any]:
        """`decorated` (Flask-Caching's wrapper), counting a hit for each call that did not run
        the function. A thread-local flag, saved and restored, keeps recursive calls apart."""
        counters = self.counters
        local = self._local

        @functools.wraps(decorated)
        def call(*args: Any, **kwargs: Any) -> Any:
            previous = getattr(local, "ran", False)
            local.ran = False
            try:
                result = decorated(*args, **kwargs)
            except BaseException:
                local.ran = previous
                raise
            ran = local.ran
            local.ran = previous
            if not ran:
                with counters.lock:
                    counters.hits += 1
            return result

        self.decorated = call
        return call

    def _snapshot(self) -> dict[str, Any]:
        return stats_entry(self.id, self.counters)

    def clear(self) -> bool:
        """Forgets a memoized function's entries (`delete_memoized`); unsupported for `cached`."""
        if self._kind != "memoize" or self.decorated is None:
            return False
        try:
            self._cache.delete_memoized(self.decorated)
            return True
        except Exception:
            return False


class FlaskCachingWatch:
    """Watches one Flask-Caching `Cache`: its later `memoize`/`cached` decorations become rows."""

    def __init__(self, cache: Any, register: Callable[[Watched], None]) -> None:
        self.cache = cache
        self.rows: list[FunctionRow] = []
        self._register = register
        for kind in ("memoize", "cached"):
            original = getattr(type(cache), kind)
            setattr(cache, kind, self._decorator(kind, original))
        setattr(cache, _WATCHED_ATTR, self)

    def _decorator(self, kind: str, original: Callable[..., Any]) -> Callable[..., Any]:
        cache = self.cache

        @functools.wraps(original)
        def make(*args: Any, **kwargs: Any) -> Callable[..., Any]:
            if args and callable(args[0]) and len(args) == 1 and not kwargs:
                # `@cache.memoize` without parentheses: Flask-Caching would take the function as
                # the timeout; say what to write instead of failing later at the first call.
                raise WatchError(
                    f"@cache.{kind} needs parentheses: write @cache.{kind}() or "
                    f"@cache.{kind}(timeout=...) above {getattr(args[0], '__qualname__', 'the function')}"
                )
            timeout = kwargs.get("timeout", args[0] if args else None)
            decorate = original(cache, *args, **kwargs)

            def watched(fn: Callable[..., Any]) -> Callable[..., Any]:
                row = FunctionRow(cache, fn, kind, timeout if isinstance(timeout, (int, float)) else None)
                wrapper = row.calls(decorate(row.counted(fn)))
                self.rows.append(row)
                self._register(row)
                return wrapper

            return watched

        return make

    def warn_unseen(self) -> list[str]:
        """Warns once, naming the functions this `Cache` decorated before it was watched (found
        in the app's imported modules and in its Flask app's views); returns their ids."""
        unseen = sorted(_decorated_before(self.cache))
        if unseen:
            shown = ", ".join(unseen[:20]) + (f" and {len(unseen) - 20} more" if len(unseen) > 20 else "")
            warnings.warn(
                f"cachelens.watch(cache): {len(unseen)} function(s) were decorated by this Flask-Caching "
                f"Cache before it was watched and are not counted: {shown}. Watch the Cache where it is "
                "created, before the modules that use @cache.memoize/@cache.cached are imported: "
                "cache = cachelens.watch(Cache(...)).",
                RuntimeWarning,
                stacklevel=_user_stacklevel(),
            )
        return unseen


def _uses_cache(fn: Any, cache: Any) -> bool:
    """Whether `fn` is a Flask-Caching wrapper made by `cache` (it holds `cache` in its closure)."""
    if not callable(fn) or not callable(getattr(fn, "uncached", None)):
        return False
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            if cell.cell_contents is cache:
                return True
        except ValueError:
            continue
    return False


def _decorated_before(cache: Any) -> set[str]:
    roots = {app_root(), default_app_root()}
    candidates: list[Any] = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not any(is_app_file(file, r) for r in roots):
            continue
        for value in list(vars(module).values()):
            candidates.append(value)
            if isinstance(value, type):
                candidates.extend(vars(value).values())
    app = getattr(cache, "app", None)
    candidates.extend(getattr(app, "view_functions", {}).values())
    found: set[str] = set()
    for value in candidates:
        value = getattr(value, "__func__", value)
        if _uses_cache(value, cache):
            source_id = function_id(value.uncached)
            if source_id:
                found.add(source_id)
    return found


def _user_stacklevel() -> int:
    """The `stacklevel` that points a warning at the user's call of `watch`."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("cachelens.watch"):
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    return level


def watch_flask_cache(cache: Any, register: Callable[[Watched], None]) -> Any:
    """Watches `cache` (once) and warns about the functions it decorated before; returns it."""
    if isinstance(cache.__dict__.get(_WATCHED_ATTR), FlaskCachingWatch):
        return cache
    watcher = FlaskCachingWatch(cache, register)
    watcher.warn_unseen()
    return cache


