"""When to try again (docs/protocol.md 5.4): `delay = base/2 + random(0, base/2)` with
`base = min(max, initial × 2^attempt)`, `attempt` counting failures since the last successful
open. A connection dropped for stalling (5.2) counts as a failure until one has stayed healthy
for the longest delay, so a frozen editor is not reconnected to every second."""

from __future__ import annotations

import random
from typing import Callable

__all__ = ["Backoff", "FINAL_STATUSES"]

#: Handshake statuses after which no retry with the same endpoint can pass: stop (section 2).
FINAL_STATUSES = frozenset({403, 404, 426})


class Backoff:
    """Delays between connection attempts, in seconds.

    `initial_s`: the first delay's base (default 0.5 s); `max_s`: the largest base (default 30 s);
    `rand`: numbers in [0, 1) for the jitter (default `random.random`)."""

    def __init__(self, initial_s: float = 0.5, max_s: float = 30.0, rand: Callable[[], float] = random.random) -> None:
        self.initial_s = initial_s
        self.max_s = max_s
        self._rand = rand
        self.attempt = 0
        self._stalled = False
        self._opened_at: float | None = None

    def next_delay(self) -> float:
        """The delay before the next attempt after a failure; counts the failure."""
        base = min(self.max_s, self.initial_s * 2**self.attempt)
        self.attempt += 1
        return base / 2 + self._rand() * base / 2

    def opened(self, now: float) -> None:
        """A connection opened at `now` (seconds): the count restarts, unless the last one ended
        in a stall (then it restarts once this one has been healthy for `max_s`)."""
        self._opened_at = now
        if not self._stalled:
            self.attempt = 0

    def healthy(self, now: float) -> None:
        """The open connection made progress at `now`: after `max_s` of health a stall is forgiven."""
        if self._stalled and self._opened_at is not None and now - self._opened_at >= self.max_s:
            self._stalled = False
            self.attempt = 0

    def stalled(self) -> None:
        """The connection was dropped because the editor stopped reading."""
        self._stalled = True
