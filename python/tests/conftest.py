"""Shared fixtures: every test runs with no config file unless it writes one, in its own folder;
real Redis and Memcached servers (servers.py) and a recording `StoreEvents` for the backends' tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest

from cachelens import config
from servers import Server

SRC = str(Path(__file__).resolve().parents[1] / "src")
"""python/src: made absolute in PYTHONPATH, since the tests change the working directory."""


class FakeClock:
    """Milliseconds that move only when a test (or a computation) moves them; starts at 1,000,000."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms


def _build_speedups(into: Path) -> bool:
    """Builds the optional C hit path into `into` (python/setup.py, as pip does) and lets the
    package find it there: the suite runs from the source tree, where nothing is built. False
    when it cannot be built here (no compiler or headers): then only the Python path runs."""
    try:
        import cachelens._speedups  # noqa: F401 - built in place already
        return True
    except ImportError:
        pass
    python_dir = Path(SRC).parent
    built = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--build-lib", str(into), "--build-temp", str(into / "tmp")],
        cwd=python_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = list((into / "cachelens").glob("_speedups*.so"))
    if built.returncode != 0 or not found:
        # Under CI the C path is a prerequisite (gcc and python3-dev, installed by
        # test/harness/prereqs.sh): its tests must run, never quietly become Python-path tests.
        if os.environ.get("CI") == "true":
            raise RuntimeError(f"the C hit path (python/src/cachelens/_speedups.c) did not build: {built.stderr[-2000:]}")
        return False
    import cachelens

    cachelens.__path__.append(str(into / "cachelens"))
    return True


@pytest.fixture(scope="session")
def speedups_built(tmp_path_factory: pytest.TempPathFactory) -> bool:
    """Whether the C hit path is available to this session (built on first use)."""
    return _build_speedups(tmp_path_factory.mktemp("speedups"))


@pytest.fixture(params=["c-hit-path", "python-hit-path"])
def call_path(request: pytest.FixtureRequest, speedups_built: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once with the C hit path (where it could be built) and once without, so the
    two paths are held to the same specification."""
    if request.param == "python-hit-path":
        monkeypatch.setenv("CACHELENS_PURE_PYTHON", "1")
    else:
        monkeypatch.delenv("CACHELENS_PURE_PYTHON", raising=False)
    return str(request.param)


@pytest.fixture(autouse=True)
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The working directory is an empty temporary folder and CACHELENS_CONFIG is unset, so no
    cachelens.config.json of the checkout is read; the config is read afresh by each test."""
    paths = [SRC] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and os.path.isabs(p)]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CACHELENS_CONFIG", raising=False)
    config.reload_config()
    yield tmp_path
    config.reload_config()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


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
