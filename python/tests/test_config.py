"""cachelens.config.json, read as the JS runtime reads it: found upwards or through
CACHELENS_CONFIG, interpolated, validated with errors naming the file and the field, and every
field either used or refused at the first call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cachelens import ConfigError, cache_of, memoize
from cachelens.config import find_config_file, load_config_file, reload_config
from conftest import FakeClock

pytestmark = pytest.mark.usefixtures("call_path")  # the C and the Python hit paths


def write(folder: Path, data: Any, name: str = "cachelens.config.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    reload_config()
    return path


def test_the_file_is_found_from_the_working_directory_upwards(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(no_config, {"defaults": {"ttl": "5m"}})
    deep = no_config / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config_file(str(deep), {}) == str(path)
    assert find_config_file(str(deep), {"CACHELENS_CONFIG": "../other.json"}) == str(no_config / "a" / "other.json")


def test_no_file_means_the_built_in_defaults(no_config: Path) -> None:
    assert find_config_file(str(no_config), {}) is None

    @memoize
    def f(x: int) -> int:
        return x

    f(1)
    assert cache_of(f).stats()["misses"] == 1


def test_defaults_and_backend_entries_apply_with_options_winning(no_config: Path, clock: FakeClock) -> None:
    write(no_config, {"defaults": {"ttl": "10s", "max": 5}, "backends": {"small": {"type": "memory", "max": 2, "ttl": 1}}})

    @memoize(clock=clock)
    def from_defaults(x: int) -> int:
        return x

    @memoize(backend="small", clock=clock)
    def from_entry(x: int) -> int:
        return x

    @memoize(backend="small", max=3, ttl="1m", clock=clock)
    def from_options(x: int) -> int:
        return x

    for f in (from_defaults, from_entry, from_options):
        for i in range(4):
            f(i)
    assert [cache_of(f).stats()["entries"] for f in (from_defaults, from_entry, from_options)] == [4, 2, 3]
    clock.advance(1000)
    assert [cache_of(f).stats()["entries"] for f in (from_defaults, from_entry, from_options)] == [4, 0, 3]
    clock.advance(9000)
    assert [cache_of(f).stats()["entries"] for f in (from_defaults, from_entry, from_options)] == [0, 0, 3]
    from cachelens import registry

    descriptor = registry.find(cache_of(from_entry).id).descriptor()  # type: ignore[union-attr]
    assert (descriptor["backend"], descriptor["backendType"], descriptor["options"]) == ("small", "memory", {"ttl": 1.0, "max": 2})


def test_interpolation_with_defaults_and_numbers_from_strings(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_MAX", "3")
    monkeypatch.setenv("EMPTY", "")
    path = write(
        no_config,
        {
            "defaults": {"ttl": "${TTL:-5m}", "backend": "${BACKEND:-mem}"},
            "backends": {"mem": {"type": "memory", "max": "${CACHE_MAX}"}, "r": {"type": "redis", "url": "redis://${EMPTY}h:${PORT:-6379}/0"}},
        },
    )
    config = load_config_file(str(path))
    assert config.defaults["ttl"] == "5m" and config.defaults["backend"] == "mem"
    assert config.backends["mem"]["max"] == 3
    assert config.backends["r"]["url"] == "redis://h:6379/0"


@pytest.mark.parametrize(
    ("data", "json_path", "words"),
    [
        ("{ not json", "$", "is not valid JSON"),
        ('{"defaults": {"ttl": NaN}}', "$", "is not valid JSON"),
        ([], "$", "expected an object"),
        ({"extra": 1}, "$.extra", "unknown property"),
        ({"defaults": {"tll": "5m"}}, "$.defaults.tll", "unknown property"),
        ({"defaults": {"ttl": "5M"}}, "$.defaults.ttl", "is not a duration"),
        ({"defaults": {"ttl": "36501d"}}, "$.defaults.ttl", "100 years"),
        ({"defaults": {"max": 0}}, "$.defaults.max", "integer >= 1"),
        ({"defaults": {"max": 16777217}}, "$.defaults.max", "16777216"),
        ({"defaults": {"max": "lots"}}, "$.defaults.max", "expected a number"),
        ({"defaults": {"backend": "nope"}}, "$.defaults.backend", "neither a key"),
        ({"defaults": {"cacheErrors": "yes"}}, "$.defaults.cacheErrors", "true or false"),
        ({"defaults": {"trace": {"x": 1}}}, "$.defaults.trace.x", "unknown property"),
        ({"backends": {"a": {"max": 3}}}, "$.backends.a.type", "backend type string"),
        ({"backends": {"a": {"type": "memory", "size": 3}}}, "$.backends.a.size", "unknown option"),
        ({"backends": {"a b": {"type": "memory", "policy": "mru"}}}, '$.backends["a b"].policy', "expected one of"),
        ({"backends": {"a": {"type": "redis", "commandTimeoutMs": "soon"}}}, "$.backends.a.commandTimeoutMs", "expected a number"),
        ({"defaults": {"ttl": "${UNSET_VARIABLE_X}"}}, "$.defaults.ttl", "UNSET_VARIABLE_X is not set"),
        ({"defaults": {"ttl": "${CACHE_DIR"}}, "$.defaults.ttl", "unterminated"),
        ({"defaults": {"ttl": "${5m}"}}, "$.defaults.ttl", "not a variable"),
    ],
)
def test_an_invalid_file_is_a_config_error_naming_the_file_and_field(
    no_config: Path, data: Any, json_path: str, words: str
) -> None:
    path = write(no_config, data)
    ran: list[int] = []

    @memoize
    def f(x: int) -> int:
        ran.append(x)
        return x

    for _ in range(2):  # every call raises it again; the function never runs
        with pytest.raises(ConfigError) as info:
            f(1)
        assert info.value.file == str(path)
        assert info.value.json_path == json_path
        assert str(path) in str(info.value) and json_path in str(info.value) and words in str(info.value)
    assert ran == []


def test_an_unreadable_file_named_by_the_variable(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHELENS_CONFIG", "missing.json")
    reload_config()

    @memoize
    def f(x: int) -> int:
        return x

    with pytest.raises(ConfigError, match="cannot be read"):
        f(1)


@pytest.mark.parametrize(
    ("data", "backend", "json_path"),
    [
        ({"defaults": {"maxBytes": "64MB"}}, None, "$.defaults.maxBytes"),
        ({"defaults": {"staleWhileRevalidate": "5m"}}, None, "$.defaults.staleWhileRevalidate"),
        ({"defaults": {"cacheErrors": True}}, None, "$.defaults.cacheErrors"),
        ({"defaults": {"trace": True}}, None, "$.defaults.trace"),
        ({"backends": {"m": {"type": "memory", "maxBytes": "1MB"}}}, "m", "$.backends.m.maxBytes"),
        ({"backends": {"m": {"type": "memory", "policy": "adaptive"}}}, "m", "$.backends.m.policy"),
    ],
)
def test_fields_the_python_runtime_does_not_implement_are_refused_at_the_first_call(
    no_config: Path, data: Any, backend: str | None, json_path: str
) -> None:
    write(no_config, data)

    @memoize(backend=backend)
    def f(x: int) -> int:
        return x

    with pytest.raises(ConfigError) as info:
        f(1)
    assert info.value.json_path == json_path
    assert "the Python runtime does not support it" in str(info.value)


def test_supported_values_of_those_fields_are_accepted(no_config: Path) -> None:
    write(no_config, {"defaults": {"cacheErrors": False, "trace": False}, "backends": {"m": {"type": "memory", "policy": "lru"}}})

    @memoize(backend="m")
    def f(x: int) -> int:
        return x

    assert f(1) == 1


def test_an_unknown_backend_name_is_a_config_error_at_the_first_call(no_config: Path) -> None:
    write(no_config, {"backends": {"shared": {"type": "memory"}}})

    @memoize(backend="sharde")
    def f(x: int) -> int:
        return x

    with pytest.raises(ConfigError, match='"sharde" is neither a backend of the config file .*shared'):
        f(1)


def test_a_backend_type_whose_module_is_missing_is_not_available_in_this_build(
    no_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cachelens.stores.tiered", None)  # as if the module were absent
    write(no_config, {"backends": {"two": {"type": "tiered"}}})

    @memoize(backend="two")
    def f(x: int) -> int:
        return x

    with pytest.raises(ConfigError, match='backend type "tiered" .* is not available in this build'):
        f(1)


def test_a_backend_whose_driver_is_not_installed_names_the_package(
    no_config: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import sys

    import cachelens.stores

    folder = tmp_path_factory.mktemp("stores")
    (folder / "memcached.py").write_text("import cachelens_missing_driver_for_test\n")
    monkeypatch.setattr(cachelens.stores, "__path__", [str(folder), *cachelens.stores.__path__])
    monkeypatch.delitem(sys.modules, "cachelens.stores.memcached", raising=False)
    write(no_config, {"backends": {"mc": {"type": "memcached"}}})

    @memoize(backend="mc")
    def f(x: int) -> int:
        return x

    with pytest.raises(ConfigError, match='needs the Python package "cachelens_missing_driver_for_test"'):
        f(1)
    monkeypatch.delitem(sys.modules, "cachelens.stores.memcached", raising=False)


def test_the_lru_backend_gets_max_and_max_bytes_resolved(no_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import math

    from cachelens import config
    from cachelens.stores.memory import create as memory_create

    seen: list[dict[str, Any]] = []
    real = config.store_factory

    def factory(kind: str, name: str) -> Any:
        if kind != "lru":
            return real(kind, name)

        def create(entry: Any, context: Any) -> Any:
            seen.append(dict(entry))
            return memory_create({"type": "memory", "max": entry["max"]}, context)

        return create

    monkeypatch.setattr(config, "store_factory", factory)
    write(no_config, {"defaults": {"maxBytes": "1KB", "max": 7}, "backends": {"small": {"type": "lru", "maxBytes": "2KB"}}})

    @memoize(backend="small")
    def a(x: int) -> int:
        return x

    @memoize(backend="lru", max=3)
    def b(x: int) -> int:
        return x

    @memoize(backend="lru", max=math.inf)
    def c(x: int) -> int:
        return x

    a(1), b(1)
    assert seen == [{"type": "lru", "maxBytes": 2048, "max": 7.0}, {"type": "lru", "maxBytes": 1024, "max": 3.0}]
    with pytest.raises(ConfigError, match='max cannot be inf with the "lru" backend'):
        c(1)
