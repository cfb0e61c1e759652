"""The flask-sales example under a real gunicorn with two workers and `-c python:cachelens.gunicorn`:
each worker reports its own rows and the counts add up to what the requests did."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from watch_support import EXAMPLE, child_env, free_port, get_json, read_dumps, stop, wait_http


@pytest.mark.parametrize("preload", [[], ["--preload"]], ids=["app imported by each worker", "--preload"])
def test_two_gunicorn_workers_report_rows_whose_counts_add_up(tmp_path: Path, preload: list[str]) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    port = free_port()
    env = child_env(dump, SALES_CACHE_DIR=str(tmp_path / "cache"))
    log_path = tmp_path / "gunicorn.log"
    log_file = log_path.open("wb")  # a file, not a pipe: a full pipe would stall gunicorn
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", *preload,
         "-c", "python:cachelens.gunicorn", "app:app"],
        cwd=EXAMPLE, env=env, stdout=log_file, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/", server, timeout=60)  # the page: no cached function
        queries = [("2024", "gizmos"), ("2023", "widgets"), ("2024", "gizmos")] * 10
        workers = Counter()
        for year, product in queries:
            workers[get_json(f"{base}/api/by-region?year={year}&product={product}")["worker"]] += 1
        for region in ("north", "north", "south"):
            workers[get_json(f"{base}/api/monthly?year=2022&region={region}")["worker"]] += 1
        for _ in range(4):
            get_json(f"{base}/api/top-products?year=2023")
    finally:
        stop(server)
        log_file.close()
    log = log_path.read_text(errors="replace")
    dumps = read_dumps(dump)
    worker_rows = {pid: rows for pid, rows in dumps.items() if pid != server.pid}
    assert len(worker_rows) == 2, (sorted(dumps), log[-2000:])

    def total(row_id: str, field: str) -> int:
        return sum(rows[row_id]["snapshot"][field] for rows in worker_rows.values() if row_id in rows)

    # The FileSystemCache is shared by the workers (like Redis by replicas): each distinct call
    # misses once in the whole app, whichever worker served it; every other call is a hit.
    assert (total("views.py#sales_by_region", "hits"), total("views.py#sales_by_region", "misses")) == (28, 2)
    assert (total("views.py#monthly_totals", "hits"), total("views.py#monthly_totals", "misses")) == (1, 2)
    assert (total("views.py#top_products", "hits"), total("views.py#top_products", "misses")) == (3, 1)
    # load_sales is a plain lru_cache: one per worker, watched without a change to data.py
    # each computation above read its year once through it: 2 + 2 + 1 = 5 calls in all
    load = [rows["data.py#load_sales"]["snapshot"] for rows in worker_rows.values()]
    assert sum(s["hits"] + s["misses"] for s in load) == 5
    assert all(s["misses"] <= 3 for s in load)  # a worker misses each of the 3 years at most once
    for rows in worker_rows.values():
        descriptor = rows["views.py#sales_by_region"]["descriptor"]
        assert descriptor["backendType"] == "flask-caching:FileSystemCache"
        assert descriptor["options"]["ttl"] == 120
        assert rows["data.py#load_sales"]["descriptor"]["backendType"] == "lru_cache"
    assert sum(workers.values()) == 33 and set(workers) <= set(worker_rows)
