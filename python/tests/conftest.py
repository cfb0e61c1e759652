"""Shared fixtures: every test runs with no config file unless it writes one, in its own folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from cachelens import config

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
