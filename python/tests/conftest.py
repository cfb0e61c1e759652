"""Shared fixtures: every test runs with no config file unless it writes one, in its own folder."""

from __future__ import annotations

import os
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
