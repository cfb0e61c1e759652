"""Who this process is, as its `hello` says (docs/protocol.md 3.1). The `instance` is chosen once
per process run and kept across reconnects and by `fork()` children (a child is another stream
of the same process, 7.1); `pid` and `startedAt` are read again in a child."""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from ..ids import ROOT_MARKERS, app_root
from .messages import fit_string

__all__ = ["identity", "new_instance", "app_name", "process_started_at_ms"]

def new_instance() -> str:
    """A random id for this process run (a UUID)."""
    return str(uuid.uuid4())


def _main_script() -> Path | None:
    argv0 = sys.argv[0] if sys.argv else ""
    if not argv0 or argv0 in ("-c", "-m", "-"):
        return None
    return Path(argv0)


def _marked_root(start: Path) -> Path | None:
    """The app root above `start` (ids.app_root's rule) when a marker file says so, else None."""
    root = Path(app_root(str(start)))
    return root if any((root / marker).exists() for marker in ROOT_MARKERS) else None


def app_name() -> str:
    """`CACHELENS_APP`, else the name of the app's root folder (the nearest folder at or above
    the working directory, then above the main script, holding one of `ids.ROOT_MARKERS`: the
    working directory first, since servers such as gunicorn run from the app's folder with a
    script of their own), else the script's file name (its package's for `python -m`), else
    `python`."""
    named = os.environ.get("CACHELENS_APP")
    if named:
        return fit_string(named)
    script = _main_script()
    starts = [Path.cwd()] + ([script.resolve().parent] if script is not None else [])
    for start in starts:
        try:
            root = _marked_root(start)
        except OSError:
            root = None
        if root is not None and root.name:
            return fit_string(root.name)
    if script is not None and script.name == "__main__.py" and script.resolve().parent.name:
        return fit_string(script.resolve().parent.name)
    return fit_string(script.name if script is not None and script.name else "python")


def process_started_at_ms() -> int:
    """When this OS process started, in ms since the Unix epoch: from /proc on Linux, else now."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        ticks = int(fields[19])  # field 22 (starttime), counted after the command name
        with open("/proc/stat", "rb") as proc:
            boot = next(int(line.split()[1]) for line in proc if line.startswith(b"btime "))
        return int((boot + ticks / os.sysconf("SC_CLK_TCK")) * 1000)
    except (OSError, ValueError, IndexError, StopIteration):
        return int(time.time() * 1000)


def identity(instance: str, app: str | None = None) -> dict[str, Any]:
    """The hello's fields for this OS process now (call again in a fork child)."""
    from .. import __version__

    return {
        "instance": instance,
        "pid": os.getpid(),
        "app": fit_string(app) if app else app_name(),
        "runtime": "cachelens-py",
        "runtimeVersion": __version__,
        "hostname": fit_string(socket.gethostname()),
        "startedAt": process_started_at_ms(),
    }
