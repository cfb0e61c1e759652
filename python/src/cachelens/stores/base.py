"""The interface between a memoized function and where its entries live.

A store holds the entries of ONE memoized function (one namespace). Stores are created by the
memoize layer from a resolved backend config, and report what happens to entries through the
`StoreEvents` they were given (the function's counters).

Rules every store keeps (the same as the JS runtime's, see docs/protocol.md 3.1):
- Never raise into the caller because the backend failed: answer `MISS` for a failed read, drop a
  failed write, call `events.backend_error(exc)` once per failed operation (fail open). Only a
  programming mistake (a bad config, found at creation) raises, as `ConfigError`.
- A value that cannot be stored (not serializable, too large) is not stored: `set` calls
  `events.backend_error(...)` and returns; the caller still returns it to the user.
- Expiry: an entry is live while `now < expires_at`. An entry met past its expiry (on read,
  write, delete, clear or eviction) is counted once as `evicted("expired")`, never as "explicit"
  or "size". In-process stores count it exactly; shared stores when this process meets it.
- Keys: `key` is the memoize layer's key. For in-process stores (`shared = False`) it is any
  hashable; for shared stores (`shared = True`) it is a `str` that is stable across processes and
  Python versions (built by `cachelens.keys`).
- Times are milliseconds of the function's clock (`StoreContext.now`), a float.

Factories (added with the memoize layer): a backend type `T` is the module `cachelens.stores.T`,
imported on first use, with `create(config: Mapping[str, Any], context: StoreContext) -> Store`.
`config` is the config file's entry (interpolated, numeric strings of `config.NUMBER_FIELDS`
already numbers) or `{"type": T}`; for the in-process types it also holds the resolved `max`.
`create` raises `ConfigError` for a bad option and for an option of the shared schema the store
does not implement, naming it and saying "the Python runtime does not support it" (nothing is
silently ignored); any other exception from it is turned into a `ConfigError` by the caller. It
connects to nothing: connecting happens on use, and fails open.

Optional, for in-process stores: `direct() -> (entries, clock)` lets the memoize layer's hit path
read the entries without a call (see `stores/memory.py` for the entry layout it expects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable, Literal, Protocol, runtime_checkable

__all__ = ["MISS", "Miss", "EvictionCause", "Health", "StoreEvents", "StoreContext", "Store"]


class Miss:
    """The type of `MISS`: what `Store.get` answers when it has no live entry."""

    _instance: "Miss | None" = None

    def __new__(cls) -> "Miss":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISS"

    def __bool__(self) -> bool:
        return False


MISS = Miss()
"""The one "no entry" answer of `Store.get` (a cached `None` is a value, not a miss)."""

EvictionCause = Literal["size", "expired", "explicit"]
Health = Literal["ok", "degraded"]


class StoreEvents(Protocol):
    """What a store tells its function's counters."""

    def evicted(self, cause: EvictionCause, count: int = 1) -> None:
        """`count` entries left the store for `cause`."""

    def backend_error(self, error: BaseException) -> None:
        """One backend operation failed and was answered as a miss or a dropped write, or a
        value could not be stored."""


@dataclass(frozen=True)
class StoreContext:
    """What a store knows about the function it serves."""

    namespace: str
    """The function's id (`app/prices.py#prices_by_region`): keeps functions apart in shared stores."""
    now: Callable[[], float]
    """The function's clock, in milliseconds (monotonic for the default clock)."""
    events: StoreEvents


@runtime_checkable
class Store(Protocol):
    """The entries of one memoized function."""

    kind: str
    """`backendType` reported to the editor: `memory`, `lru`, `disk`, `redis`, `memcached`, `tiered`."""
    shared: bool
    """True when other processes see the entries (keys must then be stable strings)."""

    def get(self, key: Hashable) -> Any:
        """The live value of `key`, or `MISS`."""

    def set(self, key: Hashable, value: Any, ttl_ms: float | None) -> None:
        """Stores `value` for `ttl_ms` milliseconds (`None`: no expiry)."""

    def delete(self, key: Hashable) -> bool:
        """Removes the entry; True when a live entry was removed (counted `evicted("explicit")`)."""

    def clear(self) -> bool:
        """Removes every entry of this function. True when done (confirmed by the backend);
        False when a shared backend did not confirm it (it is then retried in the background and
        this process serves none of the old entries meanwhile)."""

    def entries(self) -> int:
        """Live entries held now (a gauge; what the backend reports for shared stores, 0 when unknown)."""

    def bytes(self) -> int:
        """Bytes held now (an estimate; 0 when unknown)."""

    def health(self) -> Health:
        """`degraded` while the backend fails (breaker open)."""

    def close(self) -> None:
        """Releases connections; the store is not used afterwards."""
