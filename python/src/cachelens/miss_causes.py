"""Why each miss missed, on the in-process stores (memory, lru), where the causes are exact.

The same causes as the JavaScript runtime (docs/protocol.md 3.1, `missCauses`): `cold` (first use),
`expired`, `evicted` (capacity), `invalidated` (delete, clear, the editor's Clear), `notCacheable`
(the computation raised: nothing was stored). The runtime sends the counts only for functions on
an in-process store; on a shared store (Redis, Memcached, disk, two tiers) it omits them.

How: a bounded log of the keys this function wrote (the last `capacity`), each with when it was
written and what happened to it since. A miss reads the log once; a write updates it once; a hit
never touches it. A key written, not expired and not invalidated that misses can only have been
evicted.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Hashable

__all__ = ["CAUSES", "MissCauses"]

CAUSES: tuple[str, ...] = (
    "cold",
    "expired",
    "evicted",
    "invalidated",
    "bypassed",
    "notCacheable",
    "unavailable",
    "unknown",
)
"""Every cause, in the protocol's order (the ones this runtime never counts stay 0)."""

_WRITTEN = "written"
_DEFAULT_CAPACITY = 65_536


class MissCauses:
    """Per-cause miss counters of one function on an in-process store.

    `ttl_ms`: how long an entry lives (None: no expiry), in the units of `now` (ms).
    `capacity`: keys remembered at most (default 65,536); a key forgotten counts as cold again.
    Not thread-safe by itself: the memo calls it under its counters' lock.
    """

    __slots__ = ("counts", "_ttl_ms", "_capacity", "_log")

    def __init__(self, ttl_ms: float | None, capacity: int = _DEFAULT_CAPACITY) -> None:
        self.counts: dict[str, int] = dict.fromkeys(CAUSES, 0)
        self._ttl_ms = ttl_ms
        self._capacity = max(1, capacity)
        # key -> (written at, in ms of the function's clock; _WRITTEN or the cause of its loss)
        self._log: OrderedDict[Hashable, tuple[float, str]] = OrderedDict()

    def miss(self, key: Hashable, now: float) -> None:
        """Counts one miss of `key` at `now` (ms)."""
        held = self._log.get(key)
        if held is None:
            cause = "cold"
        elif held[1] != _WRITTEN:
            cause = held[1]
        elif self._ttl_ms is not None and now - held[0] >= self._ttl_ms:
            cause = "expired"
        else:
            cause = "evicted"
        self.counts[cause] += 1

    def wrote(self, key: Hashable, now: float) -> None:
        """The value of `key` was stored at `now` (ms)."""
        self._remember(key, (now, _WRITTEN))

    def lost(self, key: Hashable, cause: str) -> None:
        """The value of `key` was not stored, or was removed, for `cause` (`invalidated`,
        `notCacheable`): its next miss is counted so. A key never written is left out of the log
        when invalidated (its next miss is a first use)."""
        held = self._log.get(key)
        if held is None and cause == "invalidated":
            return
        self._remember(key, (held[0] if held is not None else 0.0, cause))

    def cleared(self) -> None:
        """Every entry was dropped: every key written counts as invalidated."""
        for key, (at, state) in list(self._log.items()):
            if state == _WRITTEN:
                self._log[key] = (at, "invalidated")

    def _remember(self, key: Hashable, entry: tuple[float, str]) -> None:
        log = self._log
        if key in log:
            log[key] = entry
            return
        log[key] = entry
        if len(log) > self._capacity:
            log.popitem(last=False)

    def snapshot(self) -> dict[str, float] | None:
        """The counters as the live protocol's `missCauses` carries them; None before any miss."""
        if not any(self.counts.values()):
            return None
        out: dict[str, float] = dict(self.counts)
        if self._ttl_ms is not None:
            out["ttlMs"] = self._ttl_ms
        return out
