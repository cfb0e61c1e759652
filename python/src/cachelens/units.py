"""Durations and byte sizes: the one grammar of CacheLens, as `runtime/shared/units.js` defines it
for every part (docs/configuration.md, "Durations and sizes").

- A duration is seconds (an int or float >= 0) or a string such as ``"500ms"``, ``"30s"``,
  ``"5m"``, ``"1.5h"``, ``"1d"`` (a string without a unit is seconds). ``0``, ``inf``, ``None``
  and a blank string mean "no value" (no expiry).
- A size is bytes (a number > 0) or a string such as ``"512KB"``, ``"1.5MB"``, ``"64MiB"``
  (any case; every unit is a power of 1024), rounded down to whole bytes and at least 1.

The parsers return the value, ``None`` for no value, or a `Problem` saying what is wrong; the
caller names the option or the config field in its error.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Final

__all__ = [
    "DURATION_PATTERN",
    "SIZE_PATTERN",
    "DURATION_UNITS",
    "SIZE_UNITS",
    "DURATION_HINT",
    "SIZE_HINT",
    "Problem",
    "duration_ms",
    "size_bytes",
]

_SP = "[ \\t]*"

DURATION_PATTERN: Final = f"^{_SP}(?:([0-9]+(?:\\.[0-9]+)?){_SP}(ms|s|m|h|d)?{_SP})?$"
"""A duration string (ECMAScript syntax, the same text as units.js); matched with `re.fullmatch`."""

SIZE_PATTERN: Final = (
    f"^{_SP}(?:([0-9]*[1-9][0-9]*(?:\\.[0-9]+)?|[0-9]+\\.[0-9]*[1-9][0-9]*){_SP}(([kKmMgGtT][iI]?)?[bB])?{_SP})?$"
)
"""A size string (the same text as units.js); matched with `re.fullmatch`."""

DURATION_UNITS: Final = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
"""Milliseconds per duration unit; a number without a unit is seconds."""

SIZE_UNITS: Final = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
"""Bytes per size prefix (lower case); no prefix is bytes."""

DURATION_HINT: Final = (
    'a number of seconds, or a number and a unit (ms, s, m, h, d) such as "500ms", "30s", "5m", "1.5h", "1d"'
)
SIZE_HINT: Final = (
    'a number of bytes > 0, or a number and a unit (B, KB, MB, GB, TB, or KiB, MiB, GiB, TiB; '
    'powers of 1024) such as "512KB", "1.5MB", "1GB"'
)

# `$` of the JS pattern means the end of the text; Python's `re.fullmatch` with the pattern
# (whose `$` could also match before a final newline) is made exact by dropping the anchors.
_duration_re = re.compile(DURATION_PATTERN[1:-1])
_size_re = re.compile(SIZE_PATTERN[1:-1])


@dataclass(frozen=True)
class Problem:
    """What is wrong with a value, as the end of a sentence: ``must be ..., got ...``."""

    problem: str


def _js_number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _type_name(value: object) -> str:
    return type(value).__name__


def duration_ms(value: object) -> float | None | Problem:
    """Milliseconds of a duration; `None` for no value (absent, blank) and for no expiry
    (`0`, `inf`); or a `Problem`. Numbers are seconds (>= 0; `bool` is not a number here)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isnan(value) or value < 0:
            return Problem(f"must be {DURATION_HINT}, got {_js_number_text(value)}")
        ms = float(value) * 1000
    elif isinstance(value, str):
        m = _duration_re.fullmatch(value)
        if m is None:
            return Problem(f"must be {DURATION_HINT}, got {json.dumps(value)}")
        if m.group(1) is None:
            return None
        ms = float(m.group(1)) * DURATION_UNITS[m.group(2) or "s"]
    else:
        return Problem(f"must be {DURATION_HINT}, got {_type_name(value)}")
    return None if ms == 0 or math.isinf(ms) else ms


def size_bytes(value: object) -> float | None | Problem:
    """Bytes of a size; `None` for no value (absent, blank); or a `Problem`. Numbers are bytes
    (> 0, returned as given: `inf` is no bound); strings are rounded down to whole bytes, >= 1."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isnan(value) or value <= 0:
            return Problem(f"must be {SIZE_HINT}, got {_js_number_text(value)}")
        return value
    if isinstance(value, str):
        m = _size_re.fullmatch(value)
        if m is None:
            return Problem(f"must be {SIZE_HINT}, got {json.dumps(value)}")
        if m.group(1) is None:
            return None
        prefix = (m.group(3) or "")[:1].lower()
        return max(1, math.floor(float(m.group(1)) * SIZE_UNITS[prefix]))
    return Problem(f"must be {SIZE_HINT}, got {_type_name(value)}")
