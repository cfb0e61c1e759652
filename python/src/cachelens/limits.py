"""The accepted ranges of the numbers that options and the config file give the engine, the same
as the JS runtime's (`runtime/src/limits.ts`): checked once where they enter, so no call fails
later because of an option. Each check returns what is wrong, or `None`."""

from __future__ import annotations

import json
import math
from typing import Final

__all__ = ["MAX_ENTRIES", "MAX_DURATION_MS", "entries_problem", "duration_range_problem", "bytes_range_problem", "show"]

MAX_ENTRIES: Final = 2**24
"""Most entries an in-memory cache may be bounded to (16,777,216). For no bound: `math.inf`."""

MAX_DURATION_MS: Final = 100 * 365 * 86_400_000
"""Longest duration (`ttl`): 100 years, in ms. Longer: 0 or inf (never expires)."""


def show(value: object) -> str:
    """The value as the user wrote it, shortened: a huge string is not echoed whole."""
    if isinstance(value, str):
        text = json.dumps(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = repr(value)
    elif value is None:
        text = "null"
    else:
        text = type(value).__name__
    return f"{text[:60]}... ({len(text)} characters)" if len(text) > 80 else text


def entries_problem(value: object, infinity: bool) -> str | None:
    """An entry count: an integer in [1, MAX_ENTRIES], or `inf` where `infinity` allows it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and math.isinf(value) and value > 0 and infinity:
            return None
        if (isinstance(value, int) or (isinstance(value, float) and value.is_integer())) and 1 <= value <= MAX_ENTRIES:
            return None
    unbounded = ", or inf (unbounded)" if infinity else ""
    return f"must be an integer from 1 to {MAX_ENTRIES} (entries){unbounded}, got {show(value)}"


def duration_range_problem(ms: float | None, given: object) -> str | None:
    """Milliseconds of a parsed duration (None = no expiry): at most MAX_DURATION_MS."""
    if ms is None or ms <= MAX_DURATION_MS:
        return None
    return (
        f'must be at most 100 years ({MAX_DURATION_MS // 1000} seconds, "36500d"); '
        f"for no expiry use 0 or inf; got {show(given)}"
    )


def bytes_range_problem(size: float | None, given: object) -> str | None:
    """A parsed byte size (None = no bound): a whole number of bytes >= 1, or inf (no bound)."""
    if size is None or (isinstance(size, float) and math.isinf(size)):
        return None
    if (isinstance(size, int) or (isinstance(size, float) and size.is_integer())) and size >= 1:
        return None
    return f'must be a whole number of bytes >= 1, a size string like "64MB", or inf (no bound); got {show(given)}'
