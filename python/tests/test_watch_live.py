"""Watched caches against the extension's real live server (test/harness/live-server-process.ts):
an unmodified lru_cache app started by `python -m cachelens run`, and the flask-sales example under
gunicorn with two workers, whose rows the server sums exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from reporter_support import LiveServerProcess, wait_until
from test_watch_all import write_app
from watch_support import EXAMPLE, child_env, free_port, get_json, stop, wait_http


@pytest.fixture()
def server() -> Iterator[LiveServerProcess]:
    live = LiveServerProcess()
    try:
        yield live
    finally:
        live.close()


def figures(live: LiveServerProcess, ids: list[str], fields: tuple[str, ...] = ("hits", "misses")) -> dict[str, Any]:
    rows = {row["id"]: row for row in live.state()["functions"]}
    return {i: tuple(rows[i][f] for f in fields) if i in rows else None for i in ids}


def test_an_unmodified_lru_cache_app_run_by_python_m_cachelens_appears_with_exact_counts(
        tmp_path: Path, server: LiveServerProcess) -> None:
    write_app(tmp_path)
    env = child_env(tmp_path, CACHELENS_ENDPOINT=server.endpoint)
    out = subprocess.run([sys.executable, "-m", "cachelens", "run", "app.py", "10"], capture_output=True,
                         text=True, timeout=60, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    want = {"app.py#fib": (8, 11), "shop/prices.py#price": (1, 2), "shop/prices.py#vat": (0, 1),
            "shop/prices.py#stock": (1, 1)}
    wait_until(lambda: figures(server, list(want)) == want, 20, f"the server's rows {want}")
    state = server.state()
    assert sum(state["rejections"].values()) == 0
    fib = next(row for row in state["functions"] if row["id"] == "app.py#fib")
    assert fib["backendType"] == "lru_cache"


def test_flask_sales_under_gunicorn_with_two_workers_sums_exactly_in_the_server(
        tmp_path: Path, server: LiveServerProcess) -> None:
    port = free_port()
    env = child_env(tmp_path, CACHELENS_ENDPOINT=server.endpoint, SALES_CACHE_DIR=str(tmp_path / "cache"))
    app = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5",
         "-c", "python:cachelens.gunicorn", "app:app"],
        cwd=EXAMPLE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/", app, timeout=60)
        workers = set()
        for year, product in [("2024", "gizmos"), ("2023", "widgets"), ("2024", "gizmos")] * 10:
            workers.add(get_json(f"{base}/api/by-region?year={year}&product={product}")["worker"])
        for _ in range(4):
            get_json(f"{base}/api/top-products?year=2023")
        want = {"views.py#sales_by_region": (28, 2, 2), "views.py#top_products": (3, 1, 2)}
        fields = ("hits", "misses", "processes")
        wait_until(lambda: figures(server, list(want), fields) == want, 20, f"the server's rows {want}")
        processes = [p for p in server.processes() if p["connected"]]
        assert len(processes) == 2 and workers <= {p["pid"] for p in processes}  # one per worker; the master watches nothing
        assert {p["runtime"] for p in processes} == {"cachelens-py"}
        # The panel's Clear, sent to one worker: Flask-Caching forgets the memoized function's
        # entries in the shared cache, so the next call misses in whichever worker serves it.
        answer = server.request("clear", key=processes[0]["key"], id="views.py#sales_by_region")
        assert answer["ok"] is True, answer
        refused = server.request("clear", key=processes[0]["key"], id="views.py#top_products")
        assert refused["ok"] is False  # a cached view's keys depend on the request
        get_json(f"{base}/api/by-region?year=2024&product=gizmos")
        want["views.py#sales_by_region"] = (28, 3, 2)
        wait_until(lambda: figures(server, list(want), fields) == want, 20, f"the server's rows {want}")
        assert sum(server.state()["rejections"].values()) == 0
    finally:
        stop(app)
