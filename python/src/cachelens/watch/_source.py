"""Where a watched cache lives in the app's source: the app root, ids and locations.

The app root is the nearest folder at or above a file (or folder) that holds `pyproject.toml`,
`requirements.txt`, `setup.cfg` or `cachelens.config.json`. Ids are
`<path relative to the app root>#<qualified name>`, with `/` as separator on every system, so the
same function has the same id on a laptop, in a container and in every worker.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["ROOT_MARKERS", "app_root", "default_app_root", "relative_path", "function_id", "function_location", "is_app_file", "caller_id", "caller_frame"]

ROOT_MARKERS = ("pyproject.toml", "requirements.txt", "setup.cfg", "cachelens.config.json")
"""Files whose folder is an app root."""

_LIBRARY_PARTS = ("site-packages", "dist-packages")


@lru_cache(maxsize=1024)
def _root_of_folder(folder: str) -> str | None:
    here = Path(folder)
    for candidate in (here, *here.parents):
        if any((candidate / marker).is_file() for marker in ROOT_MARKERS):
            return str(candidate)
    return None


def app_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The app root of `start` (a file or a folder; default: the working directory).

    The nearest folder at or above it with one of `ROOT_MARKERS`; when there is none, the folder
    of `start` itself (the working directory by default).
    """
    path = Path(os.path.abspath(start if start is not None else os.getcwd()))
    folder = path if path.is_dir() else path.parent
    found = _root_of_folder(str(folder))
    return Path(found) if found is not None else folder


def default_app_root() -> Path:
    """The app's root as seen from the running process: the app root of the `__main__` script
    when it is one of the app's files (`python app.py`), else that of the working directory (a
    console script such as `gunicorn` or `flask run`, whose file is not the app's)."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file:
        absolute = os.path.abspath(main_file)
        if not any(part in _LIBRARY_PARTS for part in Path(absolute).parts):
            found = _root_of_folder(os.path.dirname(absolute))
            if found is not None:
                return Path(found)
    return app_root()


def relative_path(file: str, root: Path | None = None) -> str:
    """`file` relative to `root` (default: `file`'s own app root), with `/` separators; the
    absolute path when `file` is not under `root`."""
    absolute = Path(os.path.abspath(file))
    base = root if root is not None else app_root(absolute)
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()


def is_app_file(file: str | None, root: Path) -> bool:
    """Whether `file` is a source file of the app at `root`: under it, and not inside an
    installed library (`site-packages`/`dist-packages`, a virtual environment under the root)."""
    if not file or file.startswith("<"):
        return False
    absolute = Path(os.path.abspath(file))
    try:
        inner = absolute.relative_to(root)
    except ValueError:
        return False
    return not any(part in _LIBRARY_PARTS for part in inner.parts)


def _code_of(fn: Any) -> Any:
    target = inspect.unwrap(fn) if callable(fn) else fn
    target = getattr(target, "__func__", target)
    return getattr(target, "__code__", None)


def function_id(fn: Any) -> str | None:
    """`<path relative to the app root>#<qualified name>` of a (decorated) function, or None when
    its source file is unknown (a builtin, a function made by `exec`)."""
    code = _code_of(fn)
    if code is None or code.co_filename.startswith("<"):
        return None
    name = getattr(fn, "__qualname__", None) or getattr(code, "co_qualname", None) or code.co_name
    return f"{relative_path(code.co_filename)}#{name}"


def function_location(fn: Any) -> dict[str, Any] | None:
    """`{"file": <path relative to the app root>, "line": <1-based line of its def or first
    decorator>}`, or None when unknown."""
    code = _code_of(fn)
    if code is None or code.co_filename.startswith("<"):
        return None
    return {"file": relative_path(code.co_filename), "line": int(code.co_firstlineno)}


_ASSIGNED = re.compile(r"^\s*(?:self\.|cls\.)?([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)")


def caller_id(obj: Any, frame: FrameType | None, fallback: str) -> tuple[str, dict[str, Any] | None]:
    """An id and a location for a cache object watched at `frame` (the caller of `watch`).

    The name it is assigned to on that line (`prices = cachelens.watch(TTLCache(...))` gives
    `app/prices.py#prices`), else a local or global name of the caller bound to it, else
    `fallback` and the line number (`app/prices.py#TTLCache@12`).
    """
    if frame is None:
        return fallback, None
    file = frame.f_code.co_filename
    line = frame.f_lineno
    path = relative_path(file) if not file.startswith("<") else file
    location = {"file": path, "line": line} if not file.startswith("<") else None
    name: str | None = None
    try:
        import linecache

        match = _ASSIGNED.match(linecache.getline(file, line))
        if match:
            name = match.group(1)
    except Exception:
        name = None
    if name is None:
        for namespace in (frame.f_locals, frame.f_globals):
            name = next((k for k, v in list(namespace.items()) if v is obj and not k.startswith("__")), None)
            if name is not None:
                break
    if name is None:
        name = f"{fallback}@{line}"
    return f"{path}#{name}", location


def caller_frame(package: str) -> FrameType | None:
    """The first frame on the stack whose module is not `package` (the user's call)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(package):
        frame = frame.f_back  # type: ignore[assignment]
    return frame
