"""Making stores of every backend for the tests, from config entries as `cachelens.config.json`
holds them, each test under its own key prefix (or directory)."""

from __future__ import annotations

import importlib
import time
import uuid
from typing import Any, Callable

from cachelens.stores.base import StoreContext

from conftest import RecordingEvents, eventually

__all__ = ["ALL", "SHARED", "REMOTE", "StoreMaker", "real_clock"]

ALL = ["lru", "disk", "redis", "memcached", "tiered"]
SHARED = ["disk", "redis", "memcached", "tiered"]
REMOTE = ["redis", "memcached", "tiered"]


def real_clock() -> float:
    return time.monotonic() * 1000


class StoreMaker:
    """Makes stores of one backend type; closes them all at the end of the test."""

    def __init__(self, kind: str, entry: dict[str, Any]) -> None:
        self.kind = kind
        self.entry = entry
        self.stores: list[Any] = []

    def __call__(self, namespace: str = "app/test.py#f", clock: Callable[[], float] = real_clock,
                 events: RecordingEvents | None = None, **fields: Any) -> Any:
        events = events if events is not None else RecordingEvents()
        module = importlib.import_module(f"cachelens.stores.{self.kind}")
        entry = {**self.entry, **{k: v for k, v in fields.items() if not k.startswith("_")}}
        store = module.create(entry, StoreContext(namespace, clock, events))
        store.test_events = events
        self.stores.append(store)
        if self.kind == "tiered" and not fields.get("_no_wait"):
            # L1 is filled only once invalidations are received: wait for the subscriber (bounded).
            eventually(lambda: store.listening, timeout_s=5)
        return store

    def close(self) -> None:
        for store in self.stores:
            store.close()


def entry_for(kind: str, request: Any, tmp_path: Any) -> dict[str, Any]:
    """The config entry of `kind` pointing at this test's servers (or directory)."""
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    if kind == "lru":
        return {"type": "lru", "max": 100}
    if kind == "disk":
        return {"type": "disk", "path": str(tmp_path / "cache")}
    if kind == "memcached":
        server = request.getfixturevalue("memcached_server")
        return {"type": "memcached", "servers": server.address, "keyPrefix": prefix}
    server = request.getfixturevalue("redis_server")
    return {"type": kind, "url": server.url, "keyPrefix": prefix}
