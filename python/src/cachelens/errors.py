"""The errors CacheLens raises. Every one is a `CacheLensError`; none is raised into a call
because of caching or reporting, only for a mistake the caller can fix (a bad option, an
argument that cannot be a key)."""

from __future__ import annotations

__all__ = ["CacheLensError", "ConfigError", "OptionsError", "CacheKeyError", "BackendError"]


class CacheLensError(Exception):
    """Base class of every error raised by CacheLens."""


class ConfigError(CacheLensError):
    """`cachelens.config.json` (or the backend a function names) is invalid or unsupported.
    The message names the file, the field and what to do."""


class OptionsError(CacheLensError, ValueError):
    """An option given to `memoize` is invalid; the message names the option."""


class CacheKeyError(CacheLensError, TypeError):
    """An argument cannot be part of a cache key; the message names the parameter and its type.
    Raised before the function runs."""


class BackendError(CacheLensError):
    """A backend operation failed. Never raised into a call (the call fails open); passed to
    `StoreEvents.backend_error` and counted in `backendErrors`."""
