"""The disk backend beyond the contract: it persists across restarts and processes, keeps its byte
bound, and fails open when its directory cannot be used (read-only, under a regular file), then
resumes by itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

import pytest

from cachelens.stores import disk
from cachelens.stores.base import MISS, StoreContext
from cachelens.stores.remote.errors import DiskUnusableError

from conftest import RecordingEvents, eventually

SRC = str(Path(__file__).resolve().parents[1] / "src")


def make(path: str, events: RecordingEvents | None = None, **fields: Any) -> disk.DiskStore:
    context = StoreContext("app/test.py#f", lambda: time.monotonic() * 1000, events or RecordingEvents())
    return disk.create({"type": "disk", "path": path, **fields}, context)


def run_python(code: str, *args: str, as_nobody: bool = False) -> dict[str, Any]:
    """Runs `code` in a fresh interpreter (optionally as uid/gid 65534) and returns the JSON it prints."""
    command = [sys.executable, "-c", textwrap.dedent(code), *args]
    if as_nobody:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def shared_dir() -> Iterator[str]:
    """A directory every user can traverse (pytest's own tmp_path is private to root)."""
    path = tempfile.mkdtemp(prefix="cachelens-disk-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_entries_persist_across_a_restart(tmp_path: Path) -> None:
    store = make(str(tmp_path))
    store.set('"k"', {"v": (1, 2)}, 60_000)
    store.close()
    again = make(str(tmp_path))
    assert again.get('"k"') == {"v": (1, 2)}


def test_another_process_reads_and_clears_the_same_entries(tmp_path: Path) -> None:
    store = make(str(tmp_path))
    store.set('"mine"', "from the test", None)
    code = """
        import json, sys, time
        from cachelens.stores import disk
        from cachelens.stores.base import StoreContext
        class Events:
            def evicted(self, cause, count=1): pass
            def backend_error(self, error): print(error, file=sys.stderr)
        store = disk.create({"type": "disk", "path": sys.argv[1]},
                            StoreContext("app/test.py#f", lambda: time.monotonic() * 1000, Events()))
        seen = store.get('"mine"')
        store.set('"theirs"', "from the child", None)
        print(json.dumps({"seen": seen}))
    """
    assert run_python(code, str(tmp_path)) == {"seen": "from the test"}
    assert store.get('"theirs"') == "from the child"
    assert store.entries() == 2


def test_the_byte_bound_is_kept_by_evicting_the_first_written(tmp_path: Path) -> None:
    events = RecordingEvents()
    store = make(str(tmp_path), events, maxBytes="200KB")
    for i in range(40):
        store.set(f'"k{i}"', os.urandom(10_000), None)
        assert store.bytes() <= 200 * 1024
    assert events.evictions["size"] > 0
    assert events.evictions["size"] + store.entries() == 40
    assert store.get('"k39"') is not MISS
    assert store.get('"k0"') is MISS


def test_a_path_under_a_regular_file_fails_open_then_resumes_when_fixed(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a regular file")
    events = RecordingEvents()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = make(str(blocker / "cache"), events)
        assert store.get('"k"') is MISS
        store.set('"k"', 1, None)  # never raises
        assert store.get('"k"') is MISS
        assert store.clear() is False
    assert store.health() == "degraded"
    assert len(events.errors) == 4, "each failed operation counts once"
    assert all(isinstance(e, DiskUnusableError) for e in events.errors)
    assert "regular file" in str(events.errors[0])
    assert [w.category for w in caught] == [disk.DiskUnusableWarning], "one warning per directory"
    blocker.unlink()

    def cached() -> bool:
        store.set('"k"', 2, None)
        return store.get('"k"') == 2

    assert eventually(cached, timeout_s=10), "the directory is opened again once usable"
    assert store.health() == "ok"


READ_ONLY_PROBE = """
    import json, sys, time, warnings
    from cachelens.stores import disk
    from cachelens.stores.base import StoreContext
    class Events:
        def __init__(self): self.errors = []
        def evicted(self, cause, count=1): pass
        def backend_error(self, error): self.errors.append(type(error).__name__)
    events = Events()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = disk.create({"type": "disk", "path": sys.argv[1]},
                            StoreContext("app/test.py#f", lambda: time.monotonic() * 1000, events))
        first = store.get('"k"')
        store.set('"new"', 1, None)
        after = store.get('"new"')
    print(json.dumps({"first": repr(first), "after": repr(after), "health": store.health(),
                      "errors": events.errors, "warnings": [w.category.__name__ for w in caught]}))
"""


def test_a_read_only_directory_fails_open(shared_dir: str) -> None:
    """Root writes anywhere, so the probe runs as an unprivileged user when the test is root."""
    if os.geteuid() == 0:
        result = run_python(READ_ONLY_PROBE, shared_dir, as_nobody=True)
    else:
        os.chmod(shared_dir, 0o555)
        result = run_python(READ_ONLY_PROBE, shared_dir)
    assert result["first"] == "MISS"
    assert result["after"] == "MISS"
    assert result["health"] == "degraded"
    assert result["errors"] and set(result["errors"]) == {"DiskUnusableError"}
    assert result["warnings"] == ["DiskUnusableWarning"]


def test_a_cache_written_by_another_user_is_failed_open_when_read_only(shared_dir: str) -> None:
    """An existing cache the app's user may read but not write: nothing raises, writes are counted
    failures, health is degraded."""
    store = make(shared_dir)
    store.set('"k"', "kept", None)
    store.close()
    if os.geteuid() == 0:
        result = run_python(READ_ONLY_PROBE, shared_dir, as_nobody=True)
    else:
        for root, dirs, files in os.walk(shared_dir):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o555 if name in dirs else 0o444)
        os.chmod(shared_dir, 0o555)
        result = run_python(READ_ONLY_PROBE, shared_dir)
    assert result["first"] in ("'kept'", "MISS")
    assert result["after"] == "MISS"
    assert result["health"] == "degraded"
    assert result["errors"] and set(result["errors"]) == {"DiskUnusableError"}
