"""Watching the caches an app already has, without rewriting them.

    import cachelens
    cache = cachelens.watch(Cache(config={...}))   # Flask-Caching: one row per decorated function
    cachelens.watch(prices_by_region)             # a functools.lru_cache / functools.cache wrapper
    cachelens.watch_all()                          # every lru_cache wrapper of the app's modules

`watch(obj, id=None)` accepts a `functools.lru_cache`/`functools.cache` wrapper (or any function
with `cache_info()` and `cache_clear()`), a cachetools cache or a `cachetools.cached` function, a
diskcache `Cache`/`FanoutCache`, and a Flask-Caching `Cache`. It registers a row with
`cachelens.registry` (the reporter sends it to the panel when `CACHELENS_ENDPOINT` is set) and
returns `obj` itself, so `cache = cachelens.watch(Cache(...))` is a one-line change. Watching the
same object twice keeps one row. What each library can report is in docs/python.md.

This module is callable (`cachelens.watch(obj)` works whether `cachelens.watch` is this module or
the function), because importing a submodule of it makes the package attribute the module.
"""

from __future__ import annotations

import inspect
import os
import sys
import types
from pathlib import Path
from typing import Any, TypeVar

from .. import registry
from ._common import Watched, WatchError
from ._source import caller_frame, caller_id, default_app_root, is_app_file

__all__ = ["watch", "watch_all", "WatchError", "watched_functions"]

T = TypeVar("T")


def _register(source: Watched) -> None:
    registry.register(source)


def _watched_row(obj: Any) -> Watched | None:
    try:
        existing = getattr(obj, "__cachelens_watch__", None)
        if isinstance(existing, Watched):
            return existing
        existing = getattr(getattr(obj, "cache_clear", None), "__cachelens_watch__", None)
        return existing if isinstance(existing, Watched) else None
    except Exception:  # an object whose __getattr__ refuses unknown names
        return None


def _watch_function_cache(fn: Any, source_id: str | None) -> Watched | None:
    """A row for a function with a cache (lru_cache-like, cachetools.cached), or None."""
    from .cachetools import CachetoolsWatch, cache_of_cached_function
    from .lru_cache import LruCacheWatch, is_cache_info_wrapper

    existing = _watched_row(fn)
    if existing is not None:
        if source_id is not None and existing.id != source_id:
            registry.unregister(existing.id)  # watched again under another name: one row, renamed
            existing.rename(source_id)
            _register(existing)
        return existing
    row: Watched
    if is_cache_info_wrapper(fn):
        row = LruCacheWatch(fn, source_id)
    elif cache_of_cached_function(fn) is not None:
        row = CachetoolsWatch.for_function(fn, source_id)
        try:
            fn.__cachelens_watch__ = row
        except (AttributeError, TypeError):
            pass
    else:
        return None
    _register(row)
    return row


def watch(obj: T, id: str | None = None) -> T:
    """Reports the cache `obj` in the CacheLens panel; returns `obj` unchanged.

    `id` names the row (default `<path relative to the app root>#<qualified name>` for a
    function, `<path>#<variable>` for a cache object, from the line that calls `watch`). A
    Flask-Caching `Cache` gives one row per decorated function, named after each function; `id`
    does not apply to it. Raises `WatchError` for anything else.
    """
    from .cachetools import CachetoolsWatch, is_cachetools_cache
    from .diskcache import DiskcacheWatch, is_diskcache_cache
    from .flask_caching import is_flask_cache, watch_flask_cache

    if id is not None and (not isinstance(id, str) or not id.strip()):
        raise WatchError(f"watch(obj, id={id!r}): id must be a non-empty string such as 'app/prices.py#prices'")
    target: Any = obj
    if isinstance(target, (staticmethod, classmethod)) or inspect.ismethod(target):
        target = target.__func__
    if is_flask_cache(target):
        return watch_flask_cache(target, _register)  # type: ignore[no-any-return]
    if is_cachetools_cache(target) or is_diskcache_cache(target):
        frame = caller_frame("cachelens.watch")
        fallback = type(target).__name__
        source_id, location = caller_id(target, frame, fallback)
        if id is not None:
            source_id = id
        row: Watched
        if is_cachetools_cache(target):
            row = CachetoolsWatch(target, source_id, location)
        else:
            row = DiskcacheWatch(target, source_id, location)
        _register(row)
        return obj
    if _watch_function_cache(target, id) is not None:
        return obj
    raise WatchError(
        f"cachelens.watch cannot watch {type(obj).__module__}.{type(obj).__qualname__} ({obj!r:.80}): it "
        "watches functools.lru_cache/functools.cache wrappers, cachetools caches and cachetools.cached "
        "functions, diskcache Cache/FanoutCache and Flask-Caching Cache objects. To cache and watch "
        "another function, use @cachelens.memoize."
    )


def _module_functions(module: types.ModuleType) -> list[Any]:
    """The functions with a cache defined in `module`: module-level ones and those of its
    classes (static and class methods included)."""
    found: list[Any] = []
    seen: set[int] = set()

    def consider(value: Any) -> None:
        value = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
        if id(value) in seen or not callable(value):
            return
        if getattr(value, "__module__", None) != module.__name__:
            return  # imported from elsewhere: its own module reports it
        from .cachetools import cache_of_cached_function
        from .lru_cache import is_cache_info_wrapper

        if is_cache_info_wrapper(value) or (getattr(value, "__wrapped__", None) is not None
                                            and cache_of_cached_function(value) is not None):
            seen.add(id(value))
            found.append(value)

    try:
        members = list(vars(module).values())
    except TypeError:
        return found
    for value in members:
        if isinstance(value, type) and value.__module__ == module.__name__:
            for member in list(vars(value).values()):
                consider(member)
        else:
            consider(value)
    return found


def watched_functions(module: types.ModuleType, root: Path) -> list[str]:
    """Watches the cached functions of `module` when its file is under `root` (the import
    hook's step); returns the ids watched."""
    if not is_app_file(getattr(module, "__file__", None), root) or module.__name__.split(".")[0] == "cachelens":
        return []  # not the app's (CacheLens itself may sit under an app root: its own repository)
    ids: list[str] = []
    for fn in _module_functions(module):
        try:
            row = _watch_function_cache(fn, None)
        except Exception:
            continue  # one odd object never stops the others (or the import)
        if row is not None:
            ids.append(row.id)
    return ids


def watch_all(root: str | Path | None = None) -> list[str]:
    """Watches the `functools.lru_cache`/`functools.cache` wrappers (and `cachetools.cached`
    functions) of every imported module of the app; returns their ids.

    The app's modules are those whose file is under `root` (default: the app root of the
    `__main__` script when it is the app's, else of the working directory), outside
    `site-packages`/`dist-packages`.
    Modules imported later are not watched: call it again, or start the app with
    `python -m cachelens run app.py` / `gunicorn -c python:cachelens.gunicorn ...`.
    """
    if root is None:
        resolved = default_app_root()
    else:
        resolved = Path(os.path.abspath(root))
        if not resolved.is_dir():
            raise WatchError(f"watch_all(root={str(root)!r}): not a folder; give the app's folder or omit root")
    ids: list[str] = []
    for module in list(sys.modules.values()):
        if isinstance(module, types.ModuleType):
            ids.extend(watched_functions(module, resolved))
    return ids


class _CallableModule(types.ModuleType):
    """`cachelens.watch(obj)` works even when `cachelens.watch` is this module."""

    def __call__(self, obj: Any, id: str | None = None) -> Any:
        return watch(obj, id)


sys.modules[__name__].__class__ = _CallableModule
