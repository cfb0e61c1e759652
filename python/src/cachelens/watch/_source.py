"""Where a watched cache lives in the app's source: which files are the app's, and the ids and
locations of caches that are objects rather than functions.

Function ids and locations are memoize's own (`cachelens.ids`): `<path relative to the app
root>#<qualified name>`, so a watched `lru_cache` function and a memoized one are named alike.
"""

from __future__ import annotations

import functools
import os
import re
import sys
import sysconfig
from pathlib import Path
from types import FrameType
from typing import Any, Callable

from .. import ids

__all__ = ["app_root", "default_app_root", "relative_path", "function_id", "function_location", "is_app_file",
           "caller_id", "caller_frame"]

_LIBRARY_PARTS = ("site-packages", "dist-packages")


def app_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The app root (the rule of `cachelens.ids.app_root`) of `start`, a file or a folder
    (default: the working directory)."""
    path = os.path.abspath(start if start is not None else os.getcwd())
    return Path(ids.app_root(path if os.path.isdir(path) else os.path.dirname(path)))


def _has_marker_above(folder: str) -> bool:
    here = Path(folder)
    return any(any((d / m).is_file() for m in ids.ROOT_MARKERS) for d in (here, *here.parents))


def default_app_root() -> Path:
    """The app's root as seen from the running process: the app root of the `__main__` script
    when it is one of the app's files (`python app.py`), else that of the working directory (a
    console script such as `gunicorn` or `flask run`, whose file is not the app's)."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file:
        absolute = os.path.abspath(main_file)
        if not any(part in _LIBRARY_PARTS for part in Path(absolute).parts) and _has_marker_above(os.path.dirname(absolute)):
            return app_root(absolute)
    return app_root()


def relative_path(file: str) -> str:
    """`file` relative to its app root, with `/` separators (the path part of an id)."""
    absolute = os.path.abspath(file)
    return Path(os.path.relpath(absolute, app_root(absolute))).as_posix()


@functools.lru_cache(maxsize=1)
def _python_dirs() -> tuple[Path, ...]:
    """The interpreter's own library folders (the standard library, its site folders)."""
    paths = sysconfig.get_paths()
    found = {Path(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib") if paths.get(k)}
    return tuple(sorted(found))


def is_app_file(file: str | None, root: Path) -> bool:
    """Whether `file` is a source file of the app at `root`: under it, and not inside an
    installed library (`site-packages`/`dist-packages`, a virtual environment under the root,
    the standard library: an app started from `/` has every file under its root)."""
    if not file or file.startswith("<"):
        return False
    absolute = Path(os.path.abspath(file))
    try:
        inner = absolute.relative_to(root)
    except ValueError:
        return False
    if any(part in _LIBRARY_PARTS for part in inner.parts):
        return False
    return not any(absolute.is_relative_to(d) and not root.is_relative_to(d) for d in _python_dirs())


def function_id(fn: Callable[..., Any]) -> str:
    """The default id of a (decorated) function: `cachelens.ids.default_id`."""
    return ids.default_id(fn)


def function_location(fn: Callable[..., Any]) -> dict[str, Any] | None:
    """Where a function is declared: `cachelens.ids.location`."""
    return ids.location(fn)


def _shown(file: str) -> str:
    """A file as `location.file` shows it (relative to the working directory when under it, as
    `cachelens.ids.location` does)."""
    absolute = os.path.abspath(file)
    cwd = os.getcwd()
    shown = os.path.relpath(absolute, cwd) if absolute.startswith(cwd.rstrip(os.sep) + os.sep) else absolute
    return Path(shown).as_posix()


_ASSIGNED = re.compile(r"^\s*(?:self\.|cls\.)?([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)")


def caller_id(obj: Any, frame: FrameType | None, fallback: str) -> tuple[str, dict[str, Any] | None]:
    """An id and a location for a cache object watched at `frame` (the caller of `watch`).

    The name it is assigned to on that line (`prices = cachelens.watch(TTLCache(...))` gives
    `app/prices.py#prices`), else a local or global name of the caller bound to it, else
    `fallback` and the line number (`app/prices.py#TTLCache@12`).
    """
    if frame is None:
        return f"<unknown>#{fallback}", None
    file = frame.f_code.co_filename
    line = frame.f_lineno
    known = not file.startswith("<")
    path = relative_path(file) if known else file
    location = {"file": _shown(file), "line": line} if known else None
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
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(package):
        frame = frame.f_back
    return frame
