"""Helpers of the watch tests (no test here): clean registry rows, child processes that dump
their registry at exit, bounded waits."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

__all__ = ["SRC", "SUPPORT", "child_env", "read_dumps", "free_port", "wait_http", "get_json", "stop", "new_rows", "EXAMPLE"]

SUPPORT = Path(__file__).resolve().parent
SRC = SUPPORT.parent.parent / "src"
EXAMPLE = SUPPORT.parent.parent.parent / "examples" / "flask-sales"


def new_rows() -> Iterator[None]:
    """Fixture body: forgets the registry rows a test added."""
    from cachelens import registry

    before = {s.id for s in registry.sources()}
    yield
    for source in registry.sources():
        if source.id not in before:
            registry.unregister(source.id)


def child_env(dump: Path, **extra: str) -> dict[str, str]:
    """The environment of a child Python: cachelens from this checkout, the dumping
    sitecustomize, no endpoint (nothing reported anywhere)."""
    env = {k: v for k, v in os.environ.items() if k != "CACHELENS_ENDPOINT"}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(SUPPORT)])
    env["CACHELENS_TEST_DUMP"] = str(dump)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def read_dumps(dump: Path) -> dict[int, dict[str, Any]]:
    """pid -> {row id -> {"descriptor", "snapshot"}} written by the children at exit."""
    return {int(p.stem): json.loads(p.read_text(encoding="utf-8")) for p in dump.glob("*.json")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, timeout: float = 10.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def wait_http(url: str, process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    """Waits (at most `timeout` s) until `url` answers; fails early if `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    """SIGTERM to `process` (by its pid), then SIGKILL if it has not exited within `timeout`."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(5)


PYTHON = sys.executable
