"""CacheLens for Python: caching you can watch.

    from cachelens import memoize, cache_of

    @memoize(ttl="5m", max=1000)
    def prices_by_region(region: str) -> dict: ...

    cache_of(prices_by_region).stats()

`watch(obj)` reports a cache the app already has (`functools.lru_cache`, cachetools,
diskcache, Flask-Caching) without rewriting it. With `CACHELENS_ENDPOINT` set (VS Code sets it in
its terminals), hits and misses appear live in the CacheLens panel; without it nothing is started.

Importing this package has no side effect: no thread, no socket, no file read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import BackendError, CacheKeyError, CacheLensError, ConfigError, OptionsError

__version__ = "0.1.0"

__all__ = [
    "memoize",
    "cache_of",
    "CacheHandle",
    "watch",
    "watch_all",
    "CacheLensError",
    "ConfigError",
    "OptionsError",
    "CacheKeyError",
    "BackendError",
    "__version__",
]

if TYPE_CHECKING:
    from .memoize import CacheHandle, cache_of, memoize
    from .watch import watch, watch_all

# The rest loads on first use, so `import cachelens` stays cheap.
_LAZY = {
    "memoize": "memoize",
    "cache_of": "memoize",
    "CacheHandle": "memoize",
    "watch": "watch",
    "watch_all": "watch",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cachelens' has no attribute {name!r}")
    from importlib import import_module

    loaded = import_module(f".{module}", __name__)
    # Importing the submodule binds its name here (`cachelens.memoize` the module): replace
    # every public name it provides at once, so `memoize` is the function, not the module.
    for public, home in _LAZY.items():
        if home == module:
            globals()[public] = getattr(loaded, public)
    return globals()[name]
