"""Every field of a backend's entry is implemented or refused: a bad value, an unknown field or a
field of the shared schema the Python runtime does not implement is a `ConfigError` naming the
field, raised when the store is created (never later, never silently ignored)."""

from __future__ import annotations

import importlib
import time
from typing import Any

import pytest

from cachelens.errors import ConfigError
from cachelens.stores.base import StoreContext

from conftest import RecordingEvents


def create(entry: dict[str, Any]) -> Any:
    module = importlib.import_module(f"cachelens.stores.{entry['type']}")
    context = StoreContext("app/test.py#f", lambda: time.monotonic() * 1000, RecordingEvents())
    return module.create(entry, context)


REFUSED = [
    ({"type": "redis", "cluster": ["127.0.0.1:7000"]}, "cluster", "not supported by the Python runtime"),
    ({"type": "redis", "sentinel": {"sentinels": ["h:1"], "name": "m"}}, "sentinel", "not supported by the Python runtime"),
    ({"type": "redis", "options": {"db": 1}}, "options", "not supported by the Python runtime"),
    ({"type": "redis", "url": "redis-cluster://h:1,h:2"}, "url", "not supported by the Python runtime"),
    ({"type": "redis", "url": "redis-sentinel://h:1/master"}, "url", "not supported by the Python runtime"),
    ({"type": "redis", "url": "http://127.0.0.1:6379"}, "url", "expected redis://"),
    ({"type": "redis", "url": "redis://:secret@127.0.0.1:notaport/0"}, "url", "cannot be read"),
    ({"type": "redis", "commandTimeoutMs": 0}, "commandTimeoutMs", ">= 1"),
    ({"type": "redis", "commandTimeoutMs": "fast"}, "commandTimeoutMs", "must be a number"),
    ({"type": "redis", "breaker": {"failureThreshold": 0}}, "breaker.failureThreshold", "whole number"),
    ({"type": "redis", "breaker": {"openMs": 2**31}}, "breaker.openMs", "at most"),
    ({"type": "redis", "breaker": {"halfOpen": 1}}, "breaker.halfOpen", "not an option"),
    ({"type": "redis", "invalidation": "yes"}, "invalidation", "true or false"),
    ({"type": "redis", "tll": 5}, "tll", "not an option of a redis backend"),
    ({"type": "redis", "maxValueBytes": 0}, "maxValueBytes", "whole number"),
    ({"type": "redis", "compressAboveBytes": -1}, "compressAboveBytes", "whole number"),
    ({"type": "memcached", "servers": "user:pw@127.0.0.1:11211"}, "servers", "SASL is not supported by the Python runtime"),
    ({"type": "memcached", "servers": "127.0.0.1"}, "servers", "host:port"),
    ({"type": "memcached", "servers": 11211}, "servers", "host:port"),
    ({"type": "memcached", "keyPrefix": "my app:"}, "keyPrefix", "printable"),
    ({"type": "memcached", "url": "memcached://x"}, "url", "not an option of a memcached backend"),
    ({"type": "disk", "maxBytes": "1PB"}, "maxBytes", "number of bytes"),
    ({"type": "disk", "maxBytes": 0}, "maxBytes", "> 0"),
    ({"type": "disk", "path": ""}, "path", "non-empty"),
    ({"type": "disk", "busyTimeoutMs": -5}, "busyTimeoutMs", ">= 0"),
    ({"type": "disk", "url": "redis://x"}, "url", "not an option of a disk backend"),
    ({"type": "lru", "max": 0}, "max", "whole number"),
    ({"type": "lru", "max": float("inf")}, "max", "whole number"),
    ({"type": "lru", "maxBytes": "big"}, "maxBytes", "number of bytes"),
    ({"type": "lru", "policy": "lfu"}, "policy", "not an option of a lru backend"),
    ({"type": "tiered", "invalidation": False}, "invalidation", "cannot be false"),
    ({"type": "tiered", "l1": {"ttlMs": 0}}, "l1.ttlMs", ">= 1"),
    ({"type": "tiered", "l1": {"max": 2**25}}, "l1.max", "whole number"),
    ({"type": "tiered", "l1": {"size": 1}}, "l1.size", "not an option"),
    ({"type": "tiered", "l1": 5}, "l1", "must be an object"),
]


@pytest.mark.parametrize("entry, field, says", REFUSED, ids=[f"{e['type']}-{f}" for e, f, _ in REFUSED])
def test_a_bad_or_unsupported_field_is_refused_at_creation_naming_it(entry: dict[str, Any], field: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        create(entry)
    message = str(caught.value)
    assert f'"{field}"' in message
    assert says in message
    assert entry["type"] in message


def test_a_password_in_a_bad_url_is_not_repeated_in_the_error() -> None:
    with pytest.raises(ConfigError) as caught:
        create({"type": "redis", "url": "redis://:hunter2@127.0.0.1:notaport/0"})
    assert "hunter2" not in str(caught.value)


ACCEPTED = [
    {"type": "redis", "url": "redis://127.0.0.1:1/0", "keyPrefix": "app:", "commandTimeoutMs": "250",
     "connectTimeoutMs": " 100 ", "generationRefreshMs": 1000, "invalidation": False,
     "breaker": {"failureThreshold": "3", "openMs": 500}, "compressAboveBytes": False,
     "maxValueBytes": "2048", "allowClassInstances": True},
    {"type": "memcached", "servers": ["127.0.0.1:1", "127.0.0.1:2"], "keyPrefix": "app:", "commandTimeoutMs": 100,
     "generationRefreshMs": 0, "breaker": {}},
    {"type": "memcached", "servers": "127.0.0.1:1,127.0.0.1:2"},
    {"type": "disk", "maxBytes": "64MiB", "busyTimeoutMs": "0", "max": "100", "compressAboveBytes": 0},
    {"type": "lru", "max": "10", "maxBytes": "1MB", "ttl": "5m"},
    {"type": "tiered", "url": "redis://127.0.0.1:1/0", "l1": {"max": 10, "maxBytes": "1MB", "ttlMs": "500"}},
]


@pytest.mark.parametrize("entry", ACCEPTED, ids=[e["type"] for e in ACCEPTED])
def test_every_schema_field_is_accepted_also_as_an_interpolated_number_string(entry: dict[str, Any], tmp_path, monkeypatch) -> None:
    if entry["type"] == "disk":
        monkeypatch.chdir(tmp_path)
    store = create(entry)
    try:
        assert store.health() in ("ok", "degraded")
    finally:
        store.close()
