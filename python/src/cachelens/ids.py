"""Where a memoized function is, as the editor names it: its default id
`<path relative to the app root>#<qualified name>` and its location (file and line).

The app root is the nearest folder at or above the function's file that holds `pyproject.toml`,
`requirements.txt`, `setup.cfg` or `cachelens.config.json`; without one, the working directory
when the file is under it, else the file's own folder.
"""

from __future__ import annotations

import functools
import inspect
import os
from typing import Any, Callable, Final

__all__ = ["ROOT_MARKERS", "MAX_ID_LENGTH", "app_root", "source_file", "default_id", "location"]

ROOT_MARKERS: Final = ("pyproject.toml", "requirements.txt", "setup.cfg", "cachelens.config.json")
MAX_ID_LENGTH: Final = 4096
"""Longest id, in code points (given or derived), as in the JS runtime."""


@functools.lru_cache(maxsize=256)
def app_root(directory: str) -> str:
    """The app root for a file in `directory` (see the module's rule)."""
    d = os.path.abspath(directory)
    while True:
        if any(os.path.exists(os.path.join(d, marker)) for marker in ROOT_MARKERS):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    cwd = os.getcwd()
    start = os.path.abspath(directory)
    return cwd if start == cwd or start.startswith(cwd.rstrip(os.sep) + os.sep) else start


def source_file(fn: Callable[..., Any]) -> str | None:
    """The absolute path of the file defining `fn`, or None (built in, typed at a prompt)."""
    target = inspect.unwrap(fn)
    code = getattr(target, "__code__", None)
    name = getattr(code, "co_filename", None) if code is not None else None
    if not name or (name.startswith("<") and name.endswith(">")):
        return None
    return os.path.abspath(name)


def _posix(path: str) -> str:
    return path.replace(os.sep, "/")


def default_id(fn: Callable[..., Any]) -> str:
    """`<path relative to the app root>#<qualified name>`; `<module>#<qualified name>` when the
    function has no file."""
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__qualname__
    file = source_file(fn)
    if file is None:
        return f"{getattr(fn, '__module__', None) or '<unknown>'}#{qualname}"
    root = app_root(os.path.dirname(file))
    return f"{_posix(os.path.relpath(file, root))}#{qualname}"


def location(fn: Callable[..., Any]) -> dict[str, Any] | None:
    """`{"file": ..., "line": ...}` (file relative to the working directory, or absolute when
    outside it; 1-based line of the `def`), or None when unknown."""
    file = source_file(fn)
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if file is None or code is None:
        return None
    cwd = os.getcwd()
    shown = os.path.relpath(file, cwd) if file.startswith(cwd.rstrip(os.sep) + os.sep) else file
    return {"file": _posix(shown), "line": int(code.co_firstlineno)}
