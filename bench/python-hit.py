#!/usr/bin/env python3
"""Hit overhead of the Python runtime's @memoize on a one-argument function, against
functools.lru_cache (C, the floor a Python developer knows) and cachetools.cached, in one run.

    # the optional C hit path, built outside the source tree (node bench/python.bench.mjs does this)
    (cd python && /usr/bin/python3 setup.py -q build_ext --build-lib /tmp/cl --build-temp /tmp/cl/t)
    PYTHONPATH=python/src /usr/bin/python3 bench/python-hit.py --speedups /tmp/cl [--rounds 40] [--calls 50000]
    PYTHONPATH=python/src CACHELENS_PURE_PYTHON=1 /usr/bin/python3 bench/python-hit.py   # without it

Every variant is called with one str argument that is always a hit (statistics are always on in
@memoize). Rounds interleave the variants so a busy machine slows them alike. Two figures per
variant: the best round (ns per call: the cost with the least interference) and the median over
rounds of its ratio to lru_cache (and, for memoize, to the matching cachetools variant) in the same
round (what a loaded machine gives). `--json` adds one JSON line with every figure (for
bench/python.bench.mjs). Targets (issue 16): memoize <= 2x lru_cache without a TTL,
<= 3x with one, and faster than cachetools in both. Not a test: no figure is asserted.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import sys
import timeit
from typing import Any, Callable

import cachetools

import cachelens
from cachelens import cache_of, memoize
from cachelens.call_path import _c_hit_path

__all__ = ["variants", "use_speedups", "main"]

#: memoize's variants and the cachetools variant each is compared with.
MATCHED = {"memoize": "cachetools LRUCache", "memoize ttl=5m": "cachetools TTLCache"}


def use_speedups(build_lib: str) -> None:
    """Lets the package find the C hit path built with `setup.py build_ext --build-lib BUILD_LIB`
    (outside the source tree), as python/tests/conftest.py does; exits with a message naming the
    folder when the module is not there, so a C figure is never quietly a pure-Python one."""
    folder = os.path.join(build_lib, "cachelens")
    cachelens.__path__.append(folder)
    if os.environ.get("CACHELENS_PURE_PYTHON") != "1" and _c_hit_path() is None:
        sys.exit(f"--speedups {build_lib}: no cachelens/_speedups*.so there; build it with setup.py build_ext --build-lib {build_lib}")


def variants() -> dict[str, Callable[[Any], Any]]:
    @functools.lru_cache(maxsize=1000)
    def lru(x: Any) -> Any:
        return x

    @memoize(max=1000)
    def memo(x: Any) -> Any:
        return x

    @memoize(max=1000, ttl="5m")
    def memo_ttl(x: Any) -> Any:
        return x

    @cachetools.cached(cachetools.LRUCache(maxsize=1000))
    def ct_lru(x: Any) -> Any:
        return x

    @cachetools.cached(cachetools.TTLCache(maxsize=1000, ttl=300))
    def ct_ttl(x: Any) -> Any:
        return x

    return {
        "functools.lru_cache": lru,
        "memoize": memo,
        "memoize ttl=5m": memo_ttl,
        "cachetools LRUCache": ct_lru,
        "cachetools TTLCache": ct_ttl,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40, help="interleaved rounds (default 40)")
    parser.add_argument("--calls", type=int, default=50_000, help="calls per variant per round (default 50000)")
    parser.add_argument("--speedups", metavar="BUILD_LIB", help="folder given to setup.py build_ext --build-lib (the C hit path)")
    parser.add_argument("--json", action="store_true", help="also print every figure as one JSON line")
    args = parser.parse_args()
    if args.rounds < 1 or args.calls < 1:
        sys.exit(f"--rounds ({args.rounds}) and --calls ({args.calls}) must be at least 1")
    if args.speedups:
        use_speedups(args.speedups)

    load_before = os.getloadavg()
    fns = variants()
    for fn in fns.values():
        fn("eu")  # the first call computes; every measured call hits
    best = {name: float("inf") for name in fns}
    ratios: dict[str, list[float]] = {name: [] for name in fns}
    vs_cachetools: dict[str, list[float]] = {name: [] for name in MATCHED}
    per_round: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(args.rounds):
        this_round = {}
        for name, fn in fns.items():
            seconds = timeit.timeit("fn('eu')", globals={"fn": fn}, number=args.calls)
            this_round[name] = seconds / args.calls * 1e9
            per_round[name].append(this_round[name])
            best[name] = min(best[name], this_round[name])
        for name in fns:
            ratios[name].append(this_round[name] / this_round["functools.lru_cache"])
        for name, other in MATCHED.items():
            vs_cachetools[name].append(this_round[name] / this_round[other])
    load_after = os.getloadavg()

    memo_stats = cache_of(fns["memoize"]).stats()
    assert memo_stats["misses"] == 1 and memo_stats["hits"] == args.rounds * args.calls, memo_stats

    floor = best["functools.lru_cache"]
    hit_path = "C (cachelens._speedups)" if _c_hit_path() is not None else "pure Python"
    print(f"Python {platform.python_version()} ({sys.executable}), {args.rounds} rounds x {args.calls} calls")
    print(f"memoize's hit path: {hit_path}")
    print(f"{'variant':<22} {'best ns/call':>12} {'x lru_cache':>12} {'median x':>9}")
    for name, ns in best.items():
        print(f"{name:<22} {ns:>12.1f} {ns / floor:>12.2f} {statistics.median(ratios[name]):>9.2f}")
    print()
    print(f"memoize / lru_cache, no TTL:  {best['memoize'] / floor:.2f} (target <= 2)")
    print(f"memoize ttl / lru_cache:      {best['memoize ttl=5m'] / floor:.2f} (target <= 3)")
    print(f"memoize / cachetools LRU:     {best['memoize'] / best['cachetools LRUCache']:.2f} (target < 1)")
    print(f"memoize ttl / cachetools TTL: {best['memoize ttl=5m'] / best['cachetools TTLCache']:.2f} (target < 1)")
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    if args.json:
        figures = {
            name: {
                "best_ns": best[name],
                "median_ns": statistics.median(per_round[name]),
                "best_x_lru": best[name] / floor,
                "median_x_lru": statistics.median(ratios[name]),
                **(
                    {
                        "vs": MATCHED[name],
                        "best_x_cachetools": best[name] / best[MATCHED[name]],
                        "median_x_cachetools": statistics.median(vs_cachetools[name]),
                    }
                    if name in MATCHED
                    else {}
                ),
            }
            for name in fns
        }
        print(json.dumps({
            "python": platform.python_version(), "executable": sys.executable, "hit_path": hit_path,
            "rounds": args.rounds, "calls": args.calls, "load_before": load_before, "load_after": load_after,
            "variants": figures,
        }))


if __name__ == "__main__":
    main()
