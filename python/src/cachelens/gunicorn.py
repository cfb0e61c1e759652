"""A gunicorn configuration that reports the app's caches: `gunicorn -c python:cachelens.gunicorn app:app`.

gunicorn reads this module as its configuration file; reading it installs the import hook of
`cachelens.watch` in the master process, before the app is imported (in each worker, or in the
master with `--preload`), so the `functools.lru_cache`/`functools.cache` and `cachetools.cached`
functions of the app's own modules are reported. Every worker reports as its own process and the
panel adds them up. The app root is the nearest folder above gunicorn's working directory (`--chdir`
applies) with pyproject.toml, requirements.txt, setup.cfg or cachelens.config.json.

This is the one module of the package whose import acts: importing it is how gunicorn uses it.
To combine it with a configuration of your own, import it from that file
(`from cachelens.gunicorn import *`) and keep your settings below.
"""

from __future__ import annotations

from typing import Any

__all__ = ["post_worker_init"]


def _install() -> None:
    from .watch._hook import install
    from .watch._source import app_root

    install(app_root())


def post_worker_init(worker: Any) -> None:
    """gunicorn hook, in each worker once the app is loaded: watches the app's modules imported
    by means the hook did not see (a module cached in the master before the hook existed)."""
    try:
        from .watch import watch_all
        from .watch._hook import installed_root

        root = installed_root()
        if root is not None:
            watch_all(root)
    except Exception:
        pass


_install()
