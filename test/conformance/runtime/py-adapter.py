"""The Python runtime's adapter for the runtime conformance suite (README.md beside this file is
the contract every adapter follows). Usage:

    CACHELENS_ENDPOINT=ws://… PYTHONPATH=python/src /usr/bin/python3 py-adapter.py WORKLOAD.json

Runs the workload's steps with the real runtime (memoize, its memory store, its reporter) on a
fake clock, reporting to the endpoint; prints {"done": true} (or {"failed": "…"}) on stdout, then
keeps reporting until its stdin closes. A `fork` step is an os.fork(): the child keeps this
process's instance, starts with empty caches and zero counters (the runtime resets them in a fork
child), reports over its own connection, closes it politely and exits; it prints nothing (its
stdout is the parent's), a failure goes to stderr and its exit code.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from typing import Any, Callable

from cachelens import cache_of, memoize, reporter

__all__: list[str] = []

CLOCK_START = 1_000_000


class Failed(Exception):
    """A step's outcome differed from the workload's `expect`."""


def same(got: Any, want: Any) -> bool:
    """JSON deep equality: numbers by value (1 == 1.0), booleans apart from numbers."""
    if isinstance(got, bool) or isinstance(want, bool):
        return type(got) is type(want) and got == want
    if isinstance(got, (int, float)) and isinstance(want, (int, float)):
        return got == want
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k]) for k in got)
    if isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)):
        return len(got) == len(want) and all(same(a, b) for a, b in zip(got, want))
    return type(got) is type(want) and got == want


class Adapter:
    def __init__(self, workload: dict[str, Any]) -> None:
        self.workload = workload
        self.now = CLOCK_START
        self.next: dict[str, dict[str, Any]] = {}  # what the next computation of each function does
        self.loop = asyncio.new_event_loop()
        self.fns: dict[str, Callable[..., Any]] = {}
        for spec in workload["functions"]:
            options: dict[str, Any] = {"id": spec["id"], "backend": "memory", "clock": self.clock}
            if "ttlSeconds" in spec:
                options["ttl"] = spec["ttlSeconds"]
            if "max" in spec:
                options["max"] = spec["max"]
            self.fns[spec["id"]] = memoize(**options)(self.body(spec["id"], spec["async"]))

    def clock(self) -> float:
        return self.now

    def body(self, fid: str, is_async: bool) -> Callable[..., Any]:
        def compute() -> Any:
            c = self.next.get(fid)
            if c is None:
                raise RuntimeError(f"conformance: {fid} computed where the workload expects a hit")
            self.now += c["ms"]
            if "error" in c:
                raise RuntimeError(c["error"])
            return copy.deepcopy(c.get("value"))

        if not is_async:
            def run(*args: Any) -> Any:
                return compute()
            return run

        async def run_async(*args: Any) -> Any:
            await asyncio.sleep(0)  # completes on a later turn: concurrent calls start before it ends
            return compute()
        return run_async

    async def outcome(self, fid: str, args: list[Any]) -> dict[str, Any]:
        try:
            value = self.fns[fid](*args)
            if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
                value = await value
            return {"value": value}
        except Exception as error:
            return {"error": str(error)}

    async def together(self, count: int, fid: str, args: list[Any]) -> list[dict[str, Any]]:
        """`count` calls started at once (each a task of this loop), their outcomes in order."""
        return await asyncio.gather(*(self.outcome(fid, args) for _ in range(count)))

    def check(self, where: str, got: Any, want: Any) -> None:
        if not same(got, want):
            raise Failed(f"{where}: expected {json.dumps(want)}, got {json.dumps(got, default=repr)}")

    def run(self, steps: list[dict[str, Any]]) -> None:
        for i, step in enumerate(steps):
            where = f"{self.workload['name']} step {i}"
            if "call" in step:
                if "compute" in step:
                    self.next[step["call"]] = step["compute"]
                self.check(where, self.loop.run_until_complete(self.outcome(step["call"], step["args"])), step["expect"])
                self.next.pop(step["call"], None)
            elif "concurrent" in step:
                c = step["concurrent"]
                if "compute" in c:
                    self.next[c["call"]] = c["compute"]
                for got in self.loop.run_until_complete(self.together(c["count"], c["call"], c["args"])):
                    self.check(where, got, c["expect"])
                self.next.pop(c["call"], None)
            elif "advance" in step:
                self.now += step["advance"]
            elif "clear" in step:
                done = cache_of(self.fns[step["clear"]]).clear()
                if asyncio.iscoroutine(done):
                    self.loop.run_until_complete(done)
            elif "delete" in step:
                removed = cache_of(self.fns[step["delete"]]).delete(*step["args"])
                if asyncio.iscoroutine(removed):
                    removed = self.loop.run_until_complete(removed)
                self.check(where, removed, step["expect"])
            elif "fork" in step:
                self.fork(where, step["fork"])

    def fork(self, where: str, steps: list[dict[str, Any]]) -> None:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                # The parent's loop shares its epoll instance with this process: leave it alone.
                self.loop = asyncio.new_event_loop()
                self.run(steps)
                r = reporter.current()
                if r is None or not r.wait_open(10):
                    raise Failed("the forked child's reporter did not connect within 10 s")
                r.close(5.0)  # its last figures on the wire, then a polite close
                code = 0
            except BaseException as error:
                sys.stderr.write(f"fork child: {error}\n")
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise Failed(f"{where}: the forked child failed (exit {os.waitstatus_to_exitcode(status)})")


def main() -> int:
    workload = json.loads(open(sys.argv[1], encoding="utf-8").read())
    try:
        if reporter.start(interval_ms=50, backoff_initial_ms=20, backoff_max_ms=200) is None:
            raise Failed("CACHELENS_ENDPOINT is not set")
        Adapter(workload).run(workload["steps"])
    except Exception as error:
        print(json.dumps({"failed": f"{type(error).__name__}: {error}" if not isinstance(error, Failed) else str(error)}), flush=True)
        return 1
    print(json.dumps({"done": True}), flush=True)
    sys.stdin.read()  # keep reporting (this process is live: its entries count as held) until stdin closes
    return 0


if __name__ == "__main__":
    sys.exit(main())
