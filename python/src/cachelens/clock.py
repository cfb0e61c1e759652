"""The default clock of memoized functions: monotonic milliseconds.

A function's clock (the `clock` option of `memoize`, milliseconds as a float) times its
computations (`compute_ms`, `saved_ms`) and its entries' TTLs. The in-memory store compares
expiry times on every hit, so with the default clock it reads `time.monotonic` (seconds) itself
rather than through a Python function: `expiry_clock` says which clock and unit a store may use.
"""

from __future__ import annotations

import time
from typing import Callable

__all__ = ["monotonic_ms", "expiry_clock"]

_monotonic = time.monotonic


def monotonic_ms() -> float:
    """Milliseconds of the monotonic clock (the default clock)."""
    return _monotonic() * 1000.0


def expiry_clock(now_ms: Callable[[], float]) -> tuple[Callable[[], float], float]:
    """`(clock, units_per_ms)` equivalent to `now_ms`: `(time.monotonic, 0.001)` for the default
    clock, `(now_ms, 1.0)` for any other."""
    if now_ms is monotonic_ms:
        return _monotonic, 0.001
    return now_ms, 1.0
