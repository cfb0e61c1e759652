"""A fork child's watched caches count from 0: the child reports as its own stream of the same
process (docs/protocol.md 7.1) and the panel adds the streams up, so it must not repeat the
parent's counts."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from watch_support import child_env


def test_a_fork_child_counts_from_zero_and_parent_plus_child_is_what_happened(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import functools, json, os, sys
        import cachetools
        import cachelens
        from cachelens import registry
        from flask import Flask
        from flask_caching import Cache

        @functools.lru_cache(maxsize=2)
        def square(x):
            return x * x

        ttl = cachetools.TTLCache(maxsize=10, ttl=600)
        app = Flask("forked")
        cache = cachelens.watch(Cache(app, config={"CACHE_TYPE": "SimpleCache"}))

        @cache.memoize(timeout=60)
        def total(x):
            return x

        cachelens.watch(square, id="app/a.py#square")
        cachelens.watch(ttl, id="app/a.py#ttl")
        with app.app_context():
            for x in (1, 1, 2, 3):      # parent: 1 hit, 3 misses, 1 eviction by size
                square(x)
            ttl["k"] = 1
            ttl.get("k"), ttl.get("nope")
            total(1), total(1)

            def figures():
                out = {}
                for s in registry.sources():
                    snap = s.snapshot()
                    out[s.id.split("#")[1]] = [snap["hits"], snap["misses"], snap["evictions"]["size"], snap["entries"]]
                return out

            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:
                square(3), square(4)     # child: 1 hit, 1 miss, 1 eviction by size
                ttl.get("k")
                total(1), total(2)
                os.write(write, json.dumps(figures()).encode())
                os._exit(0)
            os.waitpid(pid, 0)
            child = json.loads(os.read(read, 65536))
            print(json.dumps({"parent": figures(), "child": child}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=child_env(tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    assert seen["parent"] == {"square": [1, 3, 1, 2], "ttl": [1, 1, 0, 1], "total": [1, 1, 0, 0]}
    assert seen["child"] == {"square": [1, 1, 1, 2], "ttl": [1, 0, 0, 1], "total": [1, 1, 0, 0]}
