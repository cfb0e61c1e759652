"""The app's Flask-Caching `Cache`, watched by CacheLens.

The one line that differs from a plain Flask-Caching app is `cachelens.watch(...)` around
`Cache(...)`. It runs before `views` is imported (app.py imports this module first), so every
`@cache.memoize`/`@cache.cached` function gets its row in the CacheLens panel.

The cache lives on disk (FileSystemCache) so that gunicorn's workers share it, like replicas
sharing Redis on OpenShift: set SALES_CACHE_TYPE=RedisCache and CACHE_REDIS_URL for that.
"""

from __future__ import annotations

import os
import tempfile

import cachelens
from flask_caching import Cache

__all__ = ["cache", "cache_config"]


def cache_config() -> dict[str, object]:
    """Flask-Caching's settings, from the environment (defaults: a shared folder in /tmp)."""
    cache_type = os.environ.get("SALES_CACHE_TYPE", "FileSystemCache")
    config: dict[str, object] = {"CACHE_TYPE": cache_type, "CACHE_DEFAULT_TIMEOUT": 300}
    if cache_type == "FileSystemCache":
        config["CACHE_DIR"] = os.environ.get(
            "SALES_CACHE_DIR", os.path.join(tempfile.gettempdir(), "flask-sales-cache")
        )
    if cache_type == "RedisCache":
        config["CACHE_REDIS_URL"] = os.environ.get("CACHE_REDIS_URL", "redis://127.0.0.1:6379/0")
    return config


cache = cachelens.watch(Cache(config=cache_config()))
