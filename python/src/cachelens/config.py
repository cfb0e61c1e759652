"""`cachelens.config.json`, read exactly as the JS runtime reads it (`runtime/src/config.ts`,
docs/configuration.md), so one file configures a mixed JS/Python deployment.

- Found through `CACHELENS_CONFIG` (a path, relative to the working directory) or as the nearest
  `cachelens.config.json` from the working directory upwards. No file: the built-in defaults.
- Read once per process, at the first memoized call (`get_config`); `reload_config()` forgets it.
- `${NAME}` / `${NAME:-default}` interpolation in every string; any other `${` is an error.
- The same schema: `defaults` (`backend`, `ttl`, `max`, `maxBytes`, `cacheErrors`,
  `staleWhileRevalidate`, `trace`) and `backends.NAME` (`type` plus that type's options).
- An invalid file is a `ConfigError` naming the file and the JSON path (`$.backends.shared.type`).
- Schema fields this runtime does not implement are refused (`ConfigError`: "the Python runtime
  does not support it") when a function that would use them is first called, never ignored.

A backend `type` is built by the module `cachelens.stores.<type>`, imported on first use, which
exposes `create(config: Mapping[str, Any], context: StoreContext) -> Store`. That factory checks
the options of its own type (it raises `ConfigError` for a bad or unsupported one); this module
checks `memory` and `lru` entries, as the JS runtime does.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import threading
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Final, Mapping

from .errors import ConfigError
from .limits import bytes_range_problem, duration_range_problem, entries_problem
from .stores.base import Store, StoreContext
from .units import Problem, duration_ms, size_bytes

__all__ = [
    "CONFIG_FILE_NAME",
    "BACKEND_TYPES",
    "IN_PROCESS_BACKEND_TYPES",
    "DEFAULT_MAX",
    "NUMBER_FIELDS",
    "CacheLensConfig",
    "ResolvedBackend",
    "find_config_file",
    "load_config_file",
    "get_config",
    "reload_config",
    "reset_after_fork",
    "resolve_backend",
    "store_factory",
]

CONFIG_FILE_NAME: Final = "cachelens.config.json"
"""The config file's name (runtime/shared/config-file.js)."""

BACKEND_TYPES: Final = ("memory", "lru", "disk", "redis", "memcached", "tiered")
"""Every built-in backend type, in-process first (runtime/shared/config-file.js)."""

IN_PROCESS_BACKEND_TYPES: Final = ("memory", "lru")
"""The types whose stores live in the process; they are checked here and take `max`."""

DEFAULT_MAX: Final = 1000
"""Entries of an in-memory cache when neither the option, the backend entry nor `defaults` says."""

_REMOTE_NUMBERS = (
    "commandTimeoutMs",
    "generationRefreshMs",
    "breaker.failureThreshold",
    "breaker.openMs",
    "compressAboveBytes",
    "maxValueBytes",
)
_REDIS_NUMBERS = (*_REMOTE_NUMBERS, "connectTimeoutMs", "cluster[].port", "sentinel.db", "sentinel.sentinels[].port")

NUMBER_FIELDS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "defaults": ("max", "trace.maxEntries", "trace.sampleRate"),
        "memory": ("max",),
        "lru": ("max",),
        "redis": _REDIS_NUMBERS,
        "memcached": _REMOTE_NUMBERS,
        "disk": ("busyTimeoutMs", "compressAboveBytes", "maxValueBytes"),
        "tiered": (*_REDIS_NUMBERS, "l1.max", "l1.maxBytes", "l1.ttlMs"),
    }
)
"""Fields holding a plain number, per backend type and for `defaults`: there (and only there) a
string that is a decimal number (`"${MAX:-7}"` after interpolation) becomes that number."""

_NUMBER_STRING = re.compile(r"[ \t]*[0-9]+(?:\.[0-9]+)?[ \t]*")
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*", re.ASCII)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_VAR_HELP = (
    "write ${NAME} or ${NAME:-default} (NAME: letters, digits and _, not starting with a digit); "
    'for a literal "${", put the whole value in an environment variable (its value is not interpolated)'
)
_MEMORY_KEYS = ("type", "max", "maxBytes", "ttl", "policy")
_LRU_KEYS = ("type", "max", "maxBytes", "ttl")
_DEFAULT_KEYS = ("backend", "ttl", "max", "maxBytes", "cacheErrors", "staleWhileRevalidate", "trace")
_POLICY_NAMES = ("adaptive", "lru", "arc", "lirs", "sieve", "s3fifo", "wtinylfu")
_PYTHON_POLICIES = ("lru",)


@dataclass(frozen=True)
class CacheLensConfig:
    """A validated, interpolated config file."""

    file: str | None
    """Absolute path of the file it came from; None when no file was found."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """`defaults`, validated."""
    backends: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Named backends: name -> the entry (`type` plus its options)."""


_EMPTY = CacheLensConfig(file=None, defaults=MappingProxyType({}), backends=MappingProxyType({}))


def _error(file: str | None, at: str, expected: str) -> ConfigError:
    where = f"invalid config {file} at {at}" if file is not None else f"invalid backend at {at}"
    return ConfigError(f"cachelens: {where}: {expected}", file=file, json_path=at)


def _json_path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if _IDENTIFIER.fullmatch(key) else f"{parent}[{json.dumps(key)}]"


def _describe(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, list):
        return "an array"
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, bool):
        return f"boolean {'true' if v else 'false'}"
    return f"number {v}"


def find_config_file(cwd: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The path the runtime reads: `CACHELENS_CONFIG` resolved against `cwd`, else the nearest
    `cachelens.config.json` from `cwd` (default: the working directory) upwards; None when there
    is none. Does not read the file."""
    env = os.environ if env is None else env
    cwd = os.getcwd() if cwd is None else cwd
    named = env.get("CACHELENS_CONFIG")
    if named:
        return os.path.abspath(os.path.join(cwd, named))
    directory = os.path.abspath(cwd)
    while True:
        candidate = os.path.join(directory, CONFIG_FILE_NAME)
        if os.path.exists(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_config_file(file: str, env: Mapping[str, str] | None = None) -> CacheLensConfig:
    """Reads, interpolates (with `env`, default the process environment) and validates one file.

    Raises `ConfigError` naming the file, the JSON path and what is expected."""
    env = os.environ if env is None else env
    file = os.path.abspath(file)
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(
            file, "$", f"cannot be read ({exc}); fix the path in CACHELENS_CONFIG or create the file"
        ) from exc
    try:
        raw = json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise _error(file, "$", f"is not valid JSON ({exc})") from exc
    data = _interpolate(raw, "$", file, env)
    return _validate(data, file)


_cache_lock = threading.Lock()
_cached: tuple[CacheLensConfig | None, ConfigError | None] | None = None


def get_config() -> CacheLensConfig:
    """The process's config, read once (the same `ConfigError` is raised on every call)."""
    global _cached
    with _cache_lock:
        if _cached is None:
            file = find_config_file()
            try:
                _cached = (_EMPTY if file is None else load_config_file(file), None)
            except ConfigError as exc:
                _cached = (None, exc)
        config, error = _cached
    if error is not None:
        raise error
    assert config is not None
    return config


def reset_after_fork() -> None:
    """In a forked child: a fresh lock (the parent's may have been held at fork time)."""
    global _cache_lock
    _cache_lock = threading.Lock()


def reload_config() -> None:
    """Forgets the config read so far; functions resolved later read the file again (functions
    already resolved keep what they resolved)."""
    global _cached
    with _cache_lock:
        _cached = None


def _interpolate_string(value: str, at: str, file: str, env: Mapping[str, str]) -> str:
    out: list[str] = []
    start_from = 0
    start = value.find("${")
    while start != -1:
        m = _VAR.match(value, start)
        if m is None:
            end = value.find("}", start)
            if end == -1:
                what = f'an unterminated "${{" (no closing "}}") in {json.dumps(value)}'
            else:
                what = f'"{value[start:end + 1]}" in {json.dumps(value)}, which is not a variable'
            raise _error(file, at, f"has {what}; {_VAR_HELP}")
        name, fallback = m.group(1), m.group(2)
        v = env.get(name)
        if v:
            replacement = v
        elif fallback is not None:
            replacement = fallback
        elif v == "":
            replacement = ""
        else:
            raise _error(
                file, at, f"environment variable {name} is not set; set it, or give a default: ${{{name}:-value}}"
            )
        out.append(value[start_from:start])
        out.append(replacement)
        start_from = m.end()
        start = value.find("${", start_from)
    out.append(value[start_from:])
    return "".join(out)


def _interpolate(value: Any, at: str, file: str, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _interpolate_string(value, at, file, env)
    if isinstance(value, list):
        return [_interpolate(x, f"{at}[{i}]", file, env) for i, x in enumerate(value)]
    if isinstance(value, dict):
        return {k: _interpolate(x, _json_path(at, k), file, env) for k, x in value.items()}
    return value


def _numbers_from_strings(o: dict[str, Any], fields: tuple[str, ...], at: str, file: str) -> None:
    def visit(holder: Any, steps: list[str], where: str) -> None:
        if not isinstance(holder, dict):
            return
        step, rest = steps[0], steps[1:]
        each = step.endswith("[]")
        key = step[:-2] if each else step
        if key not in holder:
            return
        here = _json_path(where, key)
        if each:
            items = holder[key]
            if isinstance(items, list):
                for i, x in enumerate(items):
                    visit(x, rest, f"{here}[{i}]")
            return
        if rest:
            visit(holder[key], rest, here)
            return
        v = holder[key]
        if not isinstance(v, str):
            return
        if not _NUMBER_STRING.fullmatch(v):
            raise _error(
                file,
                here,
                f'expected a number, got {_describe(v)}; write a number (500), or a string that holds only one '
                f'after interpolation ("${{VAR:-500}}")',
            )
        number = float(v)
        holder[key] = int(number) if number.is_integer() else number

    for f in fields:
        visit(o, f.split("."), at)


def _is_int(v: object) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def _check_common(o: Mapping[str, Any], at: str, file: str) -> None:
    for name in ("ttl", "staleWhileRevalidate"):
        if name in o:
            r = duration_ms(o[name])
            if isinstance(r, Problem):
                raise _error(file, f"{at}.{name}", f"is not a duration string or seconds: it {r.problem}")
            range_problem = duration_range_problem(r, o[name])
            if range_problem is not None:
                raise _error(file, f"{at}.{name}", range_problem)
    if "max" in o:
        v = o["max"]
        if not (_is_int(v) and v >= 1):
            raise _error(file, f"{at}.max", f"expected an integer >= 1 (entries), got {_describe(v)}")
        problem = entries_problem(v, False)
        if problem is not None:
            raise _error(file, f"{at}.max", problem)
    if "maxBytes" in o:
        b = size_bytes(o["maxBytes"])
        if isinstance(b, Problem):
            raise _error(file, f"{at}.maxBytes", f"is not a size string or bytes: it {b.problem}")
        problem = bytes_range_problem(b, o["maxBytes"])
        if problem is not None:
            raise _error(file, f"{at}.maxBytes", problem)


def _check_trace(trace: Any, file: str) -> None:
    at = "$.defaults.trace"
    if not isinstance(trace, dict):
        raise _error(file, at, f'expected true, false or {{ "maxEntries": N, "sampleRate": R }}, got {_describe(trace)}')
    for k in trace:
        if k not in ("maxEntries", "sampleRate"):
            raise _error(
                file,
                _json_path(at, k),
                "unknown property; expected maxEntries (lookups kept) and sampleRate (fraction of keys, in (0, 1])",
            )
    if "maxEntries" in trace:
        problem = entries_problem(trace["maxEntries"], False)
        if problem is not None:
            raise _error(file, f"{at}.maxEntries", problem)
    if "sampleRate" in trace:
        r = trace["sampleRate"]
        if not (isinstance(r, (int, float)) and not isinstance(r, bool) and 0 < r <= 1):
            raise _error(file, f"{at}.sampleRate", f"must be a number in (0, 1], got {_describe(r)}")


def _validate(data: Any, file: str) -> CacheLensConfig:
    if not isinstance(data, dict):
        raise _error(file, "$", f'expected an object {{ "defaults": {{...}}, "backends": {{...}} }}, got {_describe(data)}')
    for k in data:
        if k not in ("defaults", "backends", "$schema"):
            raise _error(file, _json_path("$", k), 'unknown property; expected only "defaults", "backends" and "$schema"')
    backends: dict[str, Mapping[str, Any]] = {}
    if "backends" in data:
        if not isinstance(data["backends"], dict):
            raise _error(file, "$.backends", f"expected an object of named backends, got {_describe(data['backends'])}")
        for name, entry in data["backends"].items():
            at = _json_path("$.backends", name)
            if not isinstance(entry, dict):
                raise _error(file, at, f'expected an object like {{ "type": "memory" }}, got {_describe(entry)}')
            kind = entry.get("type")
            if not isinstance(kind, str) or kind == "":
                types = ", ".join(f'"{t}"' for t in BACKEND_TYPES)
                got = "nothing" if "type" not in entry else _describe(kind)
                raise _error(file, f"{at}.type", f"expected a backend type string ({types}), got {got}")
            if kind in NUMBER_FIELDS:
                _numbers_from_strings(entry, NUMBER_FIELDS[kind], at, file)
            if kind in IN_PROCESS_BACKEND_TYPES:
                allowed = _MEMORY_KEYS if kind == "memory" else _LRU_KEYS
                for k in entry:
                    if k not in allowed:
                        raise _error(
                            file, _json_path(at, k), f'unknown option of a "{kind}" backend; expected {", ".join(allowed)}'
                        )
                _check_common(entry, at, file)
                if kind == "memory" and "policy" in entry and entry["policy"] not in _POLICY_NAMES:
                    names = ", ".join(f'"{n}"' for n in _POLICY_NAMES)
                    raise _error(file, f"{at}.policy", f"expected one of {names}, got {_describe(entry['policy'])}")
            backends[name] = MappingProxyType(dict(entry))
    defaults: dict[str, Any] = {}
    if "defaults" in data:
        d = data["defaults"]
        if not isinstance(d, dict):
            raise _error(file, "$.defaults", f"expected an object, got {_describe(d)}")
        for k in d:
            if k not in _DEFAULT_KEYS:
                raise _error(file, _json_path("$.defaults", k), f"unknown property; expected one of {', '.join(_DEFAULT_KEYS)}")
        _numbers_from_strings(d, NUMBER_FIELDS["defaults"], "$.defaults", file)
        _check_common(d, "$.defaults", file)
        if "backend" in d:
            b = d["backend"]
            if not isinstance(b, str):
                raise _error(file, "$.defaults.backend", f"expected a backend name, got {_describe(b)}")
            if b not in backends and b not in BACKEND_TYPES:
                raise _error(
                    file,
                    "$.defaults.backend",
                    f'"{b}" is neither a key of "backends" ({", ".join(backends) or "none"}) '
                    f"nor a built-in type ({', '.join(BACKEND_TYPES)})",
                )
        if "cacheErrors" in d and not isinstance(d["cacheErrors"], bool):
            raise _error(file, "$.defaults.cacheErrors", f"expected true or false, got {_describe(d['cacheErrors'])}")
        if "trace" in d and not isinstance(d["trace"], bool):
            _check_trace(d["trace"], file)
        defaults.update(d)
    return CacheLensConfig(file=file, defaults=MappingProxyType(defaults), backends=MappingProxyType(backends))


# --- resolution: what one memoized function uses -------------------------------------------------


@dataclass(frozen=True)
class ResolvedBackend:
    """The backend one memoized function uses, with its options resolved: the function's options
    win over the backend's entry, which wins over `defaults`, which win over the built-in defaults."""

    name: str
    """The backend's name: a key of `backends`, or the type when used without an entry."""
    type: str
    """The backend type (`memory`, `lru`, `disk`, `redis`, `memcached`, `tiered`)."""
    config: Mapping[str, Any]
    """What the store factory gets: the entry (or `{"type": type}`), with `max` resolved for the
    in-process types."""
    ttl_ms: float | None
    """Milliseconds an entry lives; None: no expiry."""
    max: float | None
    """Entries (in-process types; `inf` for unbounded); None for the other types."""
    file: str | None
    """The config file these came from (None: none)."""


_UNSUPPORTED = "the Python runtime does not support it"


def _unsupported(file: str | None, at: str, what: str) -> ConfigError:
    return _error(file, at, f"{_UNSUPPORTED}; {what}")


def resolve_backend(
    config: CacheLensConfig,
    backend: str | None,
    ttl_option: tuple[bool, float | None],
    max_option: tuple[bool, float | None],
) -> ResolvedBackend:
    """Resolves one function's backend against `config`.

    `ttl_option` and `max_option` are `(given, value)`: the function's own option, already
    checked (milliseconds; entries). Raises `ConfigError` for an unknown backend name and for a
    field of the file this runtime does not implement (naming the field)."""
    file = config.file
    defaults = config.defaults
    if defaults.get("staleWhileRevalidate") not in (None, ""):
        raise _unsupported(file, "$.defaults.staleWhileRevalidate", "remove it")
    if defaults.get("cacheErrors") is True:
        raise _unsupported(file, "$.defaults.cacheErrors", "remove it or set it to false (exceptions are never cached)")
    if "trace" in defaults and defaults["trace"] is not False:
        raise _unsupported(file, "$.defaults.trace", "remove it or set it to false (What if? traces are JS-only)")

    chosen = backend if backend is not None else defaults.get("backend", "memory")
    if chosen in config.backends:
        entry = config.backends[chosen]
        kind = str(entry["type"])
        at = _json_path("$.backends", chosen)
    elif chosen in BACKEND_TYPES:
        entry = MappingProxyType({"type": chosen})
        kind = chosen
        at = None
    else:
        names = ", ".join(config.backends) or "none"
        where = f" ({file})" if file is not None else " (no cachelens.config.json found)"
        raise ConfigError(
            f'cachelens: backend "{chosen}" is neither a backend of the config file{where}: {names}, '
            f"nor a built-in type ({', '.join(BACKEND_TYPES)}); fix the backend option or add it to \"backends\"",
            file=file,
            json_path=None,
        )

    resolved_config: dict[str, Any] = dict(entry)
    entry_ttl: object = None
    max_value: float | None = None
    if kind in IN_PROCESS_BACKEND_TYPES:
        # maxBytes (the entry's, else defaults'): the lru store's to implement or refuse; the
        # memory store bounds entries only
        bytes_at, raw_bytes = (f"{at}.maxBytes", entry["maxBytes"]) if at is not None and "maxBytes" in entry else (
            "$.defaults.maxBytes",
            defaults.get("maxBytes"),
        )
        if kind == "memory":
            if raw_bytes not in (None, ""):
                raise _unsupported(file, bytes_at, "remove it (the Python memory store bounds entries, with max)")
            if at is not None and "policy" in entry and entry["policy"] not in _PYTHON_POLICIES:
                raise _unsupported(
                    file, f"{at}.policy", f'remove it or write "lru" (the Python memory store is LRU), got "{entry["policy"]}"'
                )
        resolved_config.pop("maxBytes", None)
        size = size_bytes(raw_bytes)
        if isinstance(size, (int, float)) and not math.isinf(size):
            resolved_config["maxBytes"] = int(size)
        entry_ttl = entry.get("ttl")
        given_max, option_max = max_option
        if given_max:
            max_value = option_max
        elif "max" in entry:
            max_value = float(entry["max"])
        elif "max" in defaults:
            max_value = float(defaults["max"])
        else:
            max_value = float(DEFAULT_MAX)
        if kind == "lru" and max_value is not None and math.isinf(max_value):
            raise ConfigError(
                'cachelens: max cannot be inf with the "lru" backend; use backend "memory" for an unbounded cache',
                file=file,
            )
        resolved_config["max"] = max_value

    given_ttl, option_ttl = ttl_option
    if given_ttl:
        ttl_ms = option_ttl
    elif entry_ttl is not None:
        parsed = duration_ms(entry_ttl)
        ttl_ms = None if isinstance(parsed, Problem) else parsed
    else:
        parsed = duration_ms(defaults.get("ttl"))
        ttl_ms = None if isinstance(parsed, Problem) else parsed
    if ttl_ms is not None and math.isinf(ttl_ms):
        ttl_ms = None
    return ResolvedBackend(
        name=chosen, type=kind, config=MappingProxyType(resolved_config), ttl_ms=ttl_ms, max=max_value, file=file
    )


StoreFactory = Callable[[Mapping[str, Any], StoreContext], Store]


def store_factory(kind: str, backend_name: str) -> StoreFactory:
    """The `create` of `cachelens.stores.<kind>`, imported on first use.

    Raises `ConfigError` when the type is unknown, its module is not in this build, or the
    Python package it needs is not installed (naming the package and the extra to install)."""
    if kind not in BACKEND_TYPES:
        raise ConfigError(
            f'cachelens: backend "{backend_name}" has the unknown type "{kind}"; '
            f"known types: {', '.join(BACKEND_TYPES)}. Fix `type` in cachelens.config.json",
        )
    module_name = f"cachelens.stores.{kind}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise ConfigError(
                f'cachelens: backend type "{kind}" (backend "{backend_name}") is not available in this build '
                f"of cachelens (module {module_name} is missing); use \"memory\", or upgrade cachelens",
            ) from exc
        package = (exc.name or "?").split(".")[0]
        extra = {"tiered": "redis"}.get(kind, kind)
        raise ConfigError(
            f'cachelens: backend type "{kind}" (backend "{backend_name}") needs the Python package "{package}", '
            f'which is not installed; install it (pip install "cachelens[{extra}]")',
        ) from exc
    create = getattr(module, "create", None)
    if not callable(create):
        raise ConfigError(f"cachelens: module {module_name} has no create(config, context) function")
    return create  # type: ignore[no-any-return]
