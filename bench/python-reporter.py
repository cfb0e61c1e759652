#!/usr/bin/env python3
"""One process of the Python reporter-overhead measure (driven by bench/python.bench.mjs): a
memoized one-argument function whose every measured call is a hit, timed in rounds the driver asks
for, with the reporter connected (CACHELENS_ENDPOINT set to `--endpoint`, the reporter started)
or not (the variable unset, no reporter), switched between rounds, so both cases are measured in
interleaved rounds of one process (two processes doing the same work differed by ~9 % in a trial
run, more than the 5 % to be measured).

    PYTHONPATH=python/src /usr/bin/python3 bench/python-reporter.py --id bench/python#hit \\
        --endpoint ws://127.0.0.1:PORT/?token=... [--speedups BUILD_LIB]

Prints one JSON line when ready (`hit_path`, `reporter`: null, none runs yet), then reads one JSON
request per line on stdin and answers each with one JSON line:

    {"do": "reporter", "on": true}   -> {"reporter": "open"}: CACHELENS_ENDPOINT set, the reporter
                                        started with this process's one instance id, its connection
                                        open (waited for, at most 10 s)
    {"do": "reporter", "on": false}  -> {"reporter": null}: the reporter stopped (its last batch
                                        sent), CACHELENS_ENDPOINT unset
    {"do": "round", "seconds": 0.5}  -> {"calls": N, "ns": wall ns per call, "cpu_ns": process CPU
                                        ns per call (all threads, the reporter's included), "reporter": state}
    {"do": "end"}                    -> {"hits": H, "misses": M, "reporter": state}; the reporter,
                                        if on, is stopped first (its last batch sent), then the process exits

A round calls the function in batches of `--batch` calls (default 20000) until `seconds` have
passed (wall clock). Not a test: nothing is asserted here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import timeit
import uuid
from typing import Any

import cachelens
from cachelens import cache_of, memoize, reporter
from cachelens.call_path import _c_hit_path

__all__ = ["main"]

#: How long to wait for the reporter's connection to open before measuring, in seconds.
OPEN_TIMEOUT_S = 10.0


def reporter_state() -> str | None:
    """The reporter's state (`open`, `connecting`, ...) or None when there is none."""
    current = reporter.current()
    return current.state if current is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--id", required=True, help="the memoized function's id (as the panel shows it)")
    parser.add_argument("--speedups", metavar="BUILD_LIB", help="folder given to setup.py build_ext --build-lib (the C hit path)")
    parser.add_argument("--endpoint", required=True, help="the server's CACHELENS_ENDPOINT value")
    parser.add_argument("--batch", type=int, default=20_000, help="calls per timed batch (default 20000)")
    args = parser.parse_args()
    if args.batch < 1:
        sys.exit(f"--batch ({args.batch}) must be at least 1")
    if args.speedups:
        cachelens.__path__.append(os.path.join(args.speedups, "cachelens"))
        if os.environ.get("CACHELENS_PURE_PYTHON") != "1" and _c_hit_path() is None:
            sys.exit(f"--speedups {args.speedups}: no cachelens/_speedups*.so there")

    @memoize(max=1000, id=args.id)
    def prices(region: Any) -> Any:
        return region

    os.environ.pop(reporter.ENDPOINT_ENV, None)
    prices("eu")  # the one miss; every measured call hits
    instance = str(uuid.uuid4())  # one process run: the server adds nothing up twice across restarts
    hit_path = "C" if _c_hit_path() is not None else "pure Python"
    print(json.dumps({"ready": True, "hit_path": hit_path, "reporter": reporter_state()}), flush=True)

    timer = timeit.Timer("fn('eu')", globals={"fn": prices})
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("do") == "reporter":
            if request.get("on"):
                os.environ[reporter.ENDPOINT_ENV] = args.endpoint
                reporter.start(instance=instance, app="python-bench")
                deadline = time.monotonic() + OPEN_TIMEOUT_S
                while reporter_state() != "open" and time.monotonic() < deadline:
                    time.sleep(0.01)
            else:
                reporter.stop()
                os.environ.pop(reporter.ENDPOINT_ENV, None)
            print(json.dumps({"reporter": reporter_state()}), flush=True)
        elif request.get("do") == "round":
            seconds = float(request["seconds"])
            calls = 0
            elapsed = 0.0
            cpu_start = time.process_time_ns()
            while elapsed < seconds:
                elapsed += timer.timeit(number=args.batch)
                calls += args.batch
            cpu_ns = (time.process_time_ns() - cpu_start) / calls
            print(json.dumps({"calls": calls, "ns": elapsed / calls * 1e9, "cpu_ns": cpu_ns, "reporter": reporter_state()}), flush=True)
        elif request.get("do") == "end":
            state = reporter_state()
            reporter.stop()
            stats = cache_of(prices).stats()
            print(json.dumps({"hits": stats["hits"], "misses": stats["misses"], "reporter": state}), flush=True)
            return
        else:
            print(json.dumps({"error": f"unknown request {line.strip()!r}: use do=reporter, do=round or do=end"}), flush=True)


if __name__ == "__main__":
    main()
