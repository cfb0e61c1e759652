"""The errors CacheLens raises. Every one is a `CacheLensError`; none is raised into a call
because of caching or reporting, only for a mistake the caller can fix (a bad option, an
argument that cannot be a key)."""

from __future__ import annotations

__all__ = ["CacheLensError", "ConfigError", "OptionsError", "CacheKeyError", "BackendError"]


class CacheLensError(Exception):
    """Base class of every error raised by CacheLens."""


class ConfigError(CacheLensError):
    """`cachelens.config.json` (or the backend a function names) is invalid or unsupported.
    The message names the file, the field and what to do.

    `file`: the config file's absolute path (None when the problem is not in a file, e.g. a
    `backend=` option naming an unknown type); `json_path`: the field, such as
    `$.backends.shared.type` (None when not about one field)."""

    def __init__(self, message: str, *, file: str | None = None, json_path: str | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.json_path = json_path


class OptionsError(CacheLensError, ValueError):
    """An option given to `memoize` is invalid; the message names the option (`option`)."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class CacheKeyError(CacheLensError, TypeError):
    """An argument cannot be part of a cache key; the message names the parameter and its type.
    Raised before the function runs.

    `parameter`: the parameter's name; `path`: where inside the argument (`""` for the argument
    itself, `[2].name` inside it)."""

    def __init__(self, message: str, *, parameter: str | None = None, path: str = "") -> None:
        super().__init__(message)
        self.parameter = parameter
        self.path = path


class BackendError(CacheLensError):
    """A backend operation failed. Never raised into a call (the call fails open); passed to
    `StoreEvents.backend_error` and counted in `backendErrors`."""
