"""What the reporter's tests share: the extension's real live server in a Node process of its
own (test/harness/live-server-process.ts), a fake reported cache, and Python programs started
with an endpoint, driven line by line. Every wait is bounded."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

__all__ = ["ROOT", "LiveServerProcess", "FakeReported", "Program", "wait_until"]

ROOT = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent


def wait_until(predicate: Callable[[], Any], timeout_s: float = 15.0, what: str = "a condition") -> Any:
    """Polls `predicate` until it returns something truthy (returned); fails after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.05)


class _Lines:
    """Lines of a pipe, read on a thread, taken with a bound in time."""

    def __init__(self, stream: Any) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: Any) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def next(self, timeout_s: float) -> str | None:
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty as empty:
            raise AssertionError(f"no line within {timeout_s} s") from empty


class LiveServerProcess:
    """The real server (extension/src/server/server.ts) run by Node; `request(op, ...)` asks it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            ["node", "--import", "tsx", str(ROOT / "test/harness/live-server-process.ts")],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self._lines = _Lines(self.proc.stdout)
        first = self._lines.next(60)
        if first is None:
            raise AssertionError("the live server exited before listening")
        started = json.loads(first)
        self.endpoint: str = started["endpoint"]
        self.port: int = started["port"]

    def request(self, op: str, **fields: Any) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        line = self._lines.next(30)
        if line is None:
            raise AssertionError("the live server exited")
        return json.loads(line)

    def state(self) -> dict[str, Any]:
        return self.request("state")

    def function(self, fid: str) -> dict[str, Any] | None:
        return next((row for row in self.state()["functions"] if row["id"] == fid), None)

    def processes(self) -> list[dict[str, Any]]:
        return self.state()["processes"]

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait(10)


class FakeReported:
    """A reported cache whose figures the test sets: `hits`, `misses` and the rest of a stats
    entry in `figures`; `cleared` counts clear() calls; `deleted` lists delete_key() keys."""

    def __init__(self, fid: str, *, backend: str = "memory", options: Mapping[str, Any] | None = None, line: int = 1) -> None:
        self._id = fid
        self.backend = backend
        self.options = dict(options or {"ttl": 300, "max": 100})
        self.line = line
        self.figures: dict[str, Any] = {"hits": 0, "misses": 0, "entries": 0}
        self.cleared = 0
        self.deleted: list[str] = []

    @property
    def id(self) -> str:
        return self._id

    def descriptor(self) -> Mapping[str, Any]:
        return {"id": self._id, "backend": self.backend, "backendType": "memory", "options": self.options,
                "location": {"file": "app/fake.py", "line": self.line}}

    def snapshot(self) -> Mapping[str, Any]:
        f = self.figures
        return {
            "id": self._id, "hits": f.get("hits", 0), "misses": f.get("misses", 0), "errors": 0,
            "evictions": {"size": 0, "expired": 0, "explicit": f.get("explicit", 0)},
            "entries": f.get("entries", 0), "bytes": 0, "computeMs": f.get("computeMs", 0), "computed": f.get("misses", 0),
            "savedMs": 0, "staleServed": 0, "backendErrors": 0, "health": "ok",
        }

    def clear(self) -> bool:
        self.cleared += 1
        self.figures["explicit"] = self.figures.get("explicit", 0) + self.figures.get("entries", 0)
        self.figures["entries"] = 0
        return True

    def delete_key(self, key: str) -> bool | None:
        self.deleted.append(key)
        return True


class Program:
    """A Python program (`code`) run with the package on its path and `env` added (a value None
    removes the variable); `say(text)` writes a line to its stdin, `line()` reads one of its
    stdout lines, `ask(command)` does both with JSON (for reporter_driver.py)."""

    def __init__(self, code: str, env: Mapping[str, str | None] | None = None) -> None:
        full_env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "python/src"), str(TESTS)]),
                    "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
        for name, value in list(full_env.items()):
            if value is None:
                del full_env[name]
        self.proc = subprocess.Popen([sys.executable, "-c", code], env=full_env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self._lines = _Lines(self.proc.stdout)
        self.ready: dict[str, Any] = {}

    def say(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def line(self, timeout_s: float = 20.0) -> str:
        line = self._lines.next(timeout_s)
        if line is None:
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"the program exited ({self.proc.wait(5)}): {stderr[-2000:]}")
        return line.strip()

    def ask(self, **command: Any) -> dict[str, Any]:
        self.say(json.dumps(command))
        return json.loads(self.line())

    @classmethod
    def driver(cls, endpoint: str | None, **env: str | None) -> "Program":
        """reporter_driver.py reporting to `endpoint`; its first line (ready) already read."""
        program = cls("import reporter_driver; reporter_driver.main()", {"CACHELENS_ENDPOINT": endpoint, **env})
        program.ready = json.loads(program.line())
        return program

    def wait(self, timeout_s: float = 20.0) -> int:
        return self.proc.wait(timeout_s)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
