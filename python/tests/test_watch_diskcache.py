"""watch() on diskcache: lookups counted in this process, never taken from Cache.stats()."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import diskcache
import pytest

import cachelens
from cachelens import registry
from watch_support import SRC, new_rows


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield from new_rows()


def figures(source: Any) -> tuple[int, int, int]:
    s = source.snapshot()
    return s["hits"], s["misses"], s["entries"]


def test_get_getitem_read_and_memoize_are_counted(tmp_path: Path) -> None:
    reports = cachelens.watch(diskcache.Cache(str(tmp_path / "c")))
    source = registry.find("tests/test_watch_diskcache.py#reports")
    assert source is not None
    reports.set("a", 1)
    assert reports.get("a") == 1  # hit
    assert reports.get("b", default="none") == "none"  # miss
    assert reports["a"] == 1  # hit
    with pytest.raises(KeyError):
        reports["b"]  # miss
    assert reports.get("a", expire_time=True)[0] == 1  # hit, with its tuple
    assert reports.get("b", default=7, expire_time=True, tag=True) == (7, None, None)  # miss

    @reports.memoize()
    def total(x: int) -> int:
        return x * 10

    total(1), total(1), total(2)  # miss, hit, miss
    assert figures(source) == (4, 5, 3)
    d = source.descriptor()
    assert d["backendType"] == "diskcache"
    assert d["options"]["directory"] == str(tmp_path / "c")
    assert source.snapshot()["bytes"] > 0
    reports.close()


def test_counts_are_this_processs_not_the_folders(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    other = textwrap.dedent(
        f"""
        import diskcache
        c = diskcache.Cache({str(folder)!r}, statistics=True)
        c.set("k", 1)
        for _ in range(5):
            c.get("k")
        c.close()
        """
    )
    subprocess.run([sys.executable, "-c", other], check=True, timeout=60, env={"PYTHONPATH": str(SRC)})
    cache = diskcache.Cache(str(folder))
    cachelens.watch(cache, id="app/r.py#shared")
    cache.get("k")
    assert cache.stats() == (6, 0)  # diskcache's figure: every process's hits, persisted in the folder
    assert figures(registry.find("app/r.py#shared")) == (1, 0, 1)
    cache.close()


def test_the_panels_clear_counts_explicit_evictions(tmp_path: Path) -> None:
    cache = cachelens.watch(diskcache.Cache(str(tmp_path / "c")), id="app/r.py#c")
    for i in range(3):
        cache.set(i, i)
    source = registry.find("app/r.py#c")
    assert source.clear() is True
    assert len(cache) == 0
    assert source.snapshot()["evictions"] == {"size": 0, "expired": 0, "explicit": 3}
    cache.close()


def test_a_fanout_cache_counts_getitem_once(tmp_path: Path) -> None:
    fan = cachelens.watch(diskcache.FanoutCache(str(tmp_path / "f"), shards=2), id="app/f.py#fan")
    fan.set("a", 1)
    fan["a"], fan.get("a"), fan.get("nope")
    with pytest.raises(KeyError):
        fan["nope"]
    assert figures(registry.find("app/f.py#fan")) == (2, 2, 1)
    fan.close()
