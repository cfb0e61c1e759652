"""The import hook of `python -m cachelens run` and `gunicorn -c python:cachelens.gunicorn`.

It watches the cached functions (`functools.lru_cache`/`functools.cache`, `cachetools.cached`) of
the app's modules as they are imported, so an app whose source is not touched shows its caches.
Only those two entry points install it: `import cachelens` does not, and there is no `.pth` file.

- Imported modules: a finder placed first on `sys.meta_path` asks the other finders for the spec;
  for a module whose file is under the app root (outside `site-packages`) it wraps the loader so
  that, once the module has run, its cached functions are watched.
- The script itself (`python -m cachelens run app.py`): its functions are watched as they are
  bound, because the script usually starts serving before it returns (`app.run()` at its end).
  The script runs with a names mapping that writes through to the module's dict and watches each
  cached function (or class holding some) as it is assigned.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from pathlib import Path
from typing import Any, Iterator, MutableMapping, Sequence

from ._source import is_app_file

__all__ = ["install", "installed_root", "run_script", "BindingWatcher"]

_installed: "_AppFinder | None" = None


def _watch_module(module: types.ModuleType, root: Path) -> None:
    try:
        from . import watched_functions

        watched_functions(module, root)
    except Exception:
        pass  # watching never breaks an import


class _WatchingLoader(importlib.abc.Loader):
    """Delegates to the real loader and watches the module once it has run."""

    def __init__(self, loader: Any, root: Path) -> None:
        self._loader = loader
        self._root = root

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)  # type: ignore[no-any-return]

    def exec_module(self, module: types.ModuleType) -> None:
        # the module's __loader__ stays the real one (get_source, resources, pkgutil)
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _watch_module(module, self._root)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _AppFinder(importlib.abc.MetaPathFinder):
    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        for finder in list(sys.meta_path):
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is None:
                continue
            loader = spec.loader
            if (loader is not None and hasattr(loader, "exec_module") and spec.origin
                    and is_app_file(spec.origin, self.root)):
                spec.loader = _WatchingLoader(loader, self.root)
            return spec  # type: ignore[no-any-return]
        return None


def install(root: Path) -> None:
    """Installs the hook for the app at `root` (once per process; a second call moves it to
    `root`), and watches the app's modules already imported."""
    global _installed
    if _installed is None:
        _installed = _AppFinder(root)
        sys.meta_path.insert(0, _installed)
    else:
        _installed.root = root
    from . import watch_all

    watch_all(root)


def installed_root() -> Path | None:
    """The app root the hook watches, or None when it is not installed."""
    return _installed.root if _installed is not None else None


class BindingWatcher(MutableMapping[str, Any]):
    """The names of a script being run: writes through to its module's dict, and watches each
    cached function (or each class's cached methods) as it is bound."""

    def __init__(self, namespace: dict[str, Any], module: types.ModuleType, root: Path) -> None:
        self._namespace = namespace
        self._module = module
        self._root = root

    def __getitem__(self, key: str) -> Any:
        return self._namespace[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._namespace[key] = value
        if callable(value) and getattr(value, "__module__", None) == self._module.__name__:
            _watch_module_value(value)

    def __delitem__(self, key: str) -> None:
        del self._namespace[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._namespace)

    def __len__(self) -> int:
        return len(self._namespace)

    def __contains__(self, key: object) -> bool:
        return key in self._namespace


def _watch_module_value(value: Any) -> None:
    try:
        from . import _watch_function_cache
        from .cachetools import cache_of_cached_function
        from .lru_cache import is_cache_info_wrapper

        members = list(vars(value).values()) if isinstance(value, type) else [value]
        for member in members:
            member = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            if is_cache_info_wrapper(member) or (getattr(member, "__wrapped__", None) is not None
                                                 and cache_of_cached_function(member) is not None):
                _watch_function_cache(member, None)
    except Exception:
        pass


def run_script(path: Path, argv: list[str], root: Path) -> None:
    """Runs the script `path` as `__main__` (like `python path`), with `argv` as `sys.argv[1:]`
    and its cached functions watched as they are bound."""
    source = path.read_bytes()
    code = compile(source, str(path), "exec", dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__file__ = str(path)
    module.__builtins__ = __builtins__  # type: ignore[attr-defined]
    module.__spec__ = None
    module.__loader__ = None  # type: ignore[assignment]
    module.__cached__ = None  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    sys.argv = [str(path), *argv]
    if sys.path:
        sys.path[0] = str(path.parent)  # as `python app.py` does
    else:
        sys.path.insert(0, str(path.parent))
    namespace = module.__dict__
    exec(code, namespace, BindingWatcher(namespace, module, root))
