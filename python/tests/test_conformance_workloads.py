"""The runtime conformance workloads (test/conformance/runtime/workloads/*.json), run in this
process against memoize's own counters: the figures a single process reports must already be the
server's expected totals (a `fork` step runs in a real forked child whose figures are added, its
entries not held, as the server does). The adapter that runs them through the real server with the
reporter is the reporter's part; this pins the counting rules (docs/protocol.md 3.1) on their own.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from cachelens import cache_of, memoize
from conftest import FakeClock

pytestmark = pytest.mark.usefixtures("call_path")  # the C and the Python hit paths

WORKLOADS = sorted((Path(__file__).resolve().parents[2] / "test" / "conformance" / "runtime" / "workloads").glob("*.json"))
FIELDS = {
    "hits": lambda s: s["hits"],
    "misses": lambda s: s["misses"],
    "errors": lambda s: s["errors"],
    "evictionsSize": lambda s: s["evictions"]["size"],
    "evictionsExpired": lambda s: s["evictions"]["expired"],
    "evictionsExplicit": lambda s: s["evictions"]["explicit"],
    "computeMs": lambda s: s["computeMs"],
    "savedMs": lambda s: s["savedMs"],
    "staleServed": lambda s: s["staleServed"],
    "backendErrors": lambda s: s["backendErrors"],
    "entries": lambda s: s["entries"],
}


class WorkloadFailed(AssertionError):
    pass


class Runner:
    def __init__(self, workload: dict[str, Any]) -> None:
        self.clock = FakeClock()
        self.pending: dict[str, Any] | None = None
        self.functions: dict[str, Callable[..., Any]] = {}
        for spec in workload["functions"]:
            self.functions[spec["id"]] = self._memoize(spec)

    def _memoize(self, spec: dict[str, Any]) -> Callable[..., Any]:
        options: dict[str, Any] = {"id": spec["id"], "clock": self.clock}
        if "ttlSeconds" in spec:
            options["ttl"] = spec["ttlSeconds"]
        if "max" in spec:
            options["max"] = spec["max"]
        runner = self

        def outcome(compute: dict[str, Any] | None) -> Any:
            if compute is None:
                raise WorkloadFailed(f"{spec['id']} computed where the workload expects a hit")
            runner.clock.advance(compute["ms"])
            if "error" in compute:
                raise RuntimeError(compute["error"])
            return compute["value"]

        if spec["async"]:

            async def run_async(*args: Any) -> Any:
                compute = runner.pending
                await asyncio.sleep(0)  # a later turn: concurrent calls start before it completes
                return outcome(compute)

            return memoize(**options)(run_async)

        def run(*args: Any) -> Any:
            return outcome(runner.pending)

        return memoize(**options)(run)

    def check(self, outcome: Any, expect: dict[str, Any]) -> None:
        if "error" in expect:
            if not (isinstance(outcome, Exception) and str(outcome) == expect["error"]):
                raise WorkloadFailed(f"expected the error {expect['error']!r}, got {outcome!r}")
        elif isinstance(outcome, BaseException) or outcome != expect["value"]:
            raise WorkloadFailed(f"expected {expect['value']!r}, got {outcome!r}")

    def call(self, step: dict[str, Any], count: int = 1) -> None:
        fn = self.functions[step["call"]]
        self.pending = step.get("compute")
        if asyncio.iscoroutinefunction(fn):

            async def many() -> list[Any]:
                return await asyncio.gather(*(fn(*step["args"]) for _ in range(count)), return_exceptions=True)

            outcomes = asyncio.run(many())
        else:
            outcomes = []
            for _ in range(count):
                try:
                    outcomes.append(fn(*step["args"]))
                except (RuntimeError, WorkloadFailed) as exc:
                    outcomes.append(exc)
        for outcome in outcomes:
            if isinstance(outcome, WorkloadFailed):
                raise outcome
            self.check(outcome, step["expect"])

    def run(self, steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Runs the steps; returns the figures of forked children, summed per function."""
        from_children: dict[str, dict[str, Any]] = {}
        for step in steps:
            if "call" in step:
                self.call(step)
            elif "concurrent" in step:
                self.call(step["concurrent"], step["concurrent"]["count"])
            elif "advance" in step:
                self.clock.advance(step["advance"])
            elif "clear" in step:
                assert cache_of(self.functions[step["clear"]]).clear() is True
            elif "delete" in step:
                removed = cache_of(self.functions[step["delete"]]).delete(*step["args"])
                if removed != step["expect"]:
                    raise WorkloadFailed(f"delete {step['args']}: expected {step['expect']}, got {removed}")
            elif "fork" in step:
                for fid, figures in self.fork(step["fork"]).items():
                    total = from_children.setdefault(fid, {k: 0 for k in FIELDS})
                    for k, v in figures.items():
                        total[k] += v
            else:
                raise AssertionError(f"unknown step {step}")
        return from_children

    def figures(self) -> dict[str, dict[str, Any]]:
        return {
            fid: {k: get(dict(cache_of(fn)._memo.snapshot())) for k, get in FIELDS.items()}
            for fid, fn in self.functions.items()
        }

    def fork(self, steps: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(read)
                self.run(steps)
                figures = self.figures()
                for f in figures.values():
                    f["entries"] = 0  # an exited child holds nothing
                os.write(write, json.dumps(figures).encode())
                code = 0
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                os.write(write, json.dumps({"failed": repr(exc)}).encode())
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            data = json.loads(pipe.read().decode() or '{"failed": "no answer"}')
        _, status = os.waitpid(pid, 0)
        assert "failed" not in data and status == 0, data
        return data  # type: ignore[no-any-return]


@pytest.mark.parametrize("path", WORKLOADS, ids=[p.stem for p in WORKLOADS])
def test_workload_figures_are_exact(path: Path) -> None:
    workload = json.loads(path.read_text())
    runner = Runner(workload)
    children = runner.run(workload["steps"])
    figures = runner.figures()
    for fid, child in children.items():
        for k, v in child.items():
            figures[fid][k] += v
    for fid, expected in workload["expected"].items():
        got = {k: figures[fid][k] for k in expected}
        assert got == expected, f"{workload['name']}: {fid}"


def test_there_are_workloads() -> None:
    assert len(WORKLOADS) >= 5
