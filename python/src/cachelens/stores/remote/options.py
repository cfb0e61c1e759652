"""Reading a backend's entry of `cachelens.config.json` (already interpolated by `cachelens.config`).

Every field a backend reads goes through one `BackendOptions`; `finish()` then refuses whatever the
entry holds that was not read, so no field is ever silently ignored: a field of the shared schema
that the Python runtime does not implement is refused by `unsupported(...)` with a `ConfigError`
saying so, and an unknown field (a typo) with one listing the known ones.

Numbers may arrive as strings after interpolation (`"commandTimeoutMs": "${TIMEOUT_MS:-500}"`):
like the config file's rule, a string of ASCII digits with an optional fraction (spaces or tabs
around) is read as that number. Sizes follow the shared grammar (docs/configuration.md,
"Durations and sizes"), read by `cachelens.units`.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from ...errors import ConfigError
from ...limits import bytes_range_problem
from ...units import Problem, size_bytes

__all__ = ["BackendOptions", "MAX_TIMER_MS", "NUMBER_STRING"]

MAX_TIMER_MS = 2**31 - 1
"""The longest delay any option may ask for (24.8 days), as in the JS runtime."""

NUMBER_STRING = re.compile(r"[ \t]*[0-9]+(?:\.[0-9]+)?[ \t]*")
"""A number >= 0 written as a string (matched as a whole)."""

class BackendOptions:
    """The fields of one backend entry (or one object inside it, such as `breaker`), read once each.

    `backend` is the entry's `type` (named in every error); `at` the path of a nested object."""

    def __init__(self, backend: str, config: Mapping[str, Any], at: str = "") -> None:
        if not isinstance(config, Mapping):
            raise ConfigError(f'{backend} backend: option "{at or "entry"}" must be an object, got {type(config).__name__}')
        self.backend = backend
        self._config = config
        self._at = at
        self._read: set[str] = {"type"} if not at else set()
        self._refused: set[str] = set()

    def _path(self, name: str) -> str:
        return f"{self._at}.{name}" if self._at else name

    def error(self, name: str, problem: str) -> ConfigError:
        """The error for a bad value of `name`."""
        return ConfigError(f'{self.backend} backend: option "{self._path(name)}" {problem}')

    def has(self, name: str) -> bool:
        return name in self._config

    def raw(self, name: str) -> Any:
        """The value as given (marks the field read), or None when absent."""
        self._read.add(name)
        return self._config.get(name)

    def _number(self, name: str, default: float) -> float:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, str) and NUMBER_STRING.fullmatch(value):
            return float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise self.error(name, f"must be a number, got {value!r}")
        return float(value)

    def ms(self, name: str, default: float, minimum: float = 0) -> float:
        """Milliseconds from `minimum` to 2^31 - 1 (a timer's delay somewhere)."""
        value = self._number(name, default)
        if value < minimum or (minimum > 0 and value == 0):
            raise self.error(name, f"must be a number of milliseconds >= {minimum:g}, got {self._config.get(name)!r}")
        if value > MAX_TIMER_MS:
            raise self.error(name, f"must be at most {MAX_TIMER_MS} ms (24.8 days), got {self._config.get(name)!r}")
        return value

    def whole(self, name: str, default: int | None, minimum: int = 1, maximum: int = 2**53) -> int | None:
        """A whole number from `minimum` to `maximum`, or `default` when absent."""
        if self._config.get(name) is None:
            self._read.add(name)
            return default
        value = self._number(name, 0)
        if not value.is_integer() or value < minimum or value > maximum:
            raise self.error(name, f"must be a whole number from {minimum} to {maximum}, got {self._config.get(name)!r}")
        return int(value)

    def size(self, name: str, default: int | None) -> int | None:
        """Bytes (a number, or a size string); None when unbounded."""
        value = self.raw(name)
        if value is None:
            return default
        parsed = size_bytes(value)  # the shared grammar (cachelens.units)
        if isinstance(parsed, Problem):
            raise self.error(name, parsed.problem)
        problem = bytes_range_problem(parsed, value)
        if problem is not None:
            raise self.error(name, problem)
        return None if parsed is None or math.isinf(parsed) else max(1, int(parsed))

    def string(self, name: str, default: str, non_empty: bool = False) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, str) or (non_empty and value.strip() == ""):
            raise self.error(name, f"must be a{' non-empty' if non_empty else ''} string, got {value!r}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false, got {value!r}")
        return value

    def section(self, name: str) -> "BackendOptions":
        """The options of a nested object (`breaker`, `l1`); an empty one when absent."""
        value = self.raw(name)
        return BackendOptions(self.backend, {} if value is None else value, self._path(name))

    def unsupported(self, name: str, why: str) -> None:
        """Refuses `name` when present: a field of the shared schema the Python runtime does not implement."""
        self._read.add(name)
        self._refused.add(name)
        if name in self._config:
            raise self.error(name, f"is not supported by the Python runtime ({why})")

    def finish(self, known: list[str] | None = None) -> None:
        """Refuses every field that was not read: nothing in an entry is silently ignored."""
        for name in self._config:
            if name not in self._read:
                listed = ", ".join(sorted(known if known is not None else self._read - self._refused - {"type"}))
                raise self.error(name, f"is not an option of a {self.backend} backend; expected one of: {listed}")
