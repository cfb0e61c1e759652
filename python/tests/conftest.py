"""Shared fixtures: real servers (see servers.py) and a recording `StoreEvents`."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import pytest

from servers import Server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Server]:
    """One Redis for the tests that do not break it."""
    server = Server("redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def memcached_server() -> Iterator[Server]:
    server = Server("memcached").start()
    yield server
    server.stop()


@pytest.fixture
def fresh_redis() -> Iterator[Server]:
    """A Redis of this test alone (it may be frozen or killed)."""
    server = Server("redis").start()
    yield server
    server.stop()


@pytest.fixture
def fresh_memcached() -> Iterator[Server]:
    server = Server("memcached").start()
    yield server
    server.stop()


@dataclass
class RecordingEvents:
    """A `StoreEvents` that counts what it is told."""

    evictions: dict[str, int] = field(default_factory=lambda: {"size": 0, "expired": 0, "explicit": 0})
    errors: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def evicted(self, cause: str, count: int = 1) -> None:
        with self.lock:
            self.evictions[cause] += count

    def backend_error(self, error: BaseException) -> None:
        with self.lock:
            self.errors.append(error)


class FakeClock:
    """Milliseconds that move only when told."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms


@pytest.fixture
def events() -> RecordingEvents:
    return RecordingEvents()


def eventually(check: Callable[[], bool], timeout_s: float = 10.0, every_s: float = 0.02) -> bool:
    """True as soon as `check()` is; False after `timeout_s` (a bound that proves "did not hang")."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every_s)
    return check()
