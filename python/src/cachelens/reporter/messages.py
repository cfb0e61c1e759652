"""The messages the reporter sends (docs/protocol.md section 3.1), built from what the registry's
sources give, and made valid on the way: strings cut to the protocol's limit, entries that cannot
be made valid left out (and said at debug level), never sent broken.

Every entry is turned into JSON text once, here, so that a batch can be split by its exact size
in bytes (5.3) and the message assembled from the pieces without serializing twice.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any, Mapping

from ..miss_causes import CAUSES
from ..verify import MAX_DIFF_PATHS

__all__ = [
    "MAX_STRING_CODE_POINTS",
    "MAX_ENTRIES_PER_MESSAGE",
    "MAX_MESSAGE_BYTES",
    "fit_string",
    "to_json",
    "hello_message",
    "descriptor_entry",
    "stats_entry",
    "result_message",
    "trace_message",
]

log = logging.getLogger("cachelens.reporter")

#: Longest string of the protocol, in Unicode code points (Python's `len`).
MAX_STRING_CODE_POINTS = 4096
#: Most entries in one `functions` or `stats` message.
MAX_ENTRIES_PER_MESSAGE = 500
#: Largest frame the server accepts, in bytes of UTF-8.
MAX_MESSAGE_BYTES = 1024 * 1024

_COUNT_FIELDS = ("hits", "misses", "errors", "entries", "bytes", "computeMs", "savedMs", "staleServed", "backendErrors")
_EVICTION_FIELDS = ("size", "expired", "explicit")


def fit_string(text: str) -> str:
    """`text` cut to 4096 code points (a Python `str` is a sequence of code points, so a slice
    never splits a character)."""
    return text if len(text) <= MAX_STRING_CODE_POINTS else text[:MAX_STRING_CODE_POINTS]


def to_json(value: Any) -> str:
    """Compact JSON text that encodes to valid UTF-8: non-ASCII characters as themselves, except
    when the value holds a lone surrogate (which UTF-8 cannot carry), then every non-ASCII
    character escaped. Raises ValueError for NaN and infinities (not JSON)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text


def _is_count(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**53 - 1


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_STRING_CODE_POINTS


def hello_message(identity: Mapping[str, Any]) -> str:
    """The `hello` of a connection, from the process's identity (instance, pid, app, runtime,
    runtimeVersion, hostname, startedAt), its strings already fitted by `identity`."""
    return to_json({"v": 1, "type": "hello", **identity})


def descriptor_entry(source: Any) -> str | None:
    """The function descriptor of `source` as JSON text, or None (said at debug level) when it
    cannot be made valid: an id that is empty or longer than the limit (an id is never cut:
    cutting could merge two functions), or a `descriptor()` that raises or is not a mapping.
    Other strings are cut; options that are not scalars are left out; a location whose file is
    too long is left out (5.3.1)."""
    try:
        fid = source.id
        raw = source.descriptor()
        if not _is_id(fid):
            log.debug("not reporting a function whose id is empty or longer than %d code points", MAX_STRING_CODE_POINTS)
            return None
        if not isinstance(raw, Mapping):
            log.debug("descriptor() of %s is not a mapping; not announced", fid)
            return None
        options: dict[str, Any] = {}
        raw_options = raw.get("options")
        if isinstance(raw_options, Mapping):
            for name, value in raw_options.items():
                if not isinstance(name, str):
                    continue
                if isinstance(value, str):
                    value = fit_string(value)
                elif isinstance(value, float) and not math.isfinite(value):
                    continue
                elif value is not None and not isinstance(value, (bool, int, float)):
                    continue
                options[fit_string(name)] = value
        entry: dict[str, Any] = {
            "id": fid,
            "backend": fit_string(str(raw.get("backend", ""))),
            "backendType": fit_string(str(raw.get("backendType", ""))),
            "options": options,
        }
        location = raw.get("location")
        if isinstance(location, Mapping) and _is_id(location.get("file")) and _is_int(location.get("line")):
            entry["location"] = {"file": location["file"], "line": location["line"]}
        return to_json(entry)
    except Exception as error:  # a broken source never stops the others
        log.debug("descriptor of a reported cache failed: %r", error)
        return None


def stats_entry(source: Any) -> tuple[str, str] | None:
    """The function stats entry of `source` now, as (id, JSON text), or None (said at debug level)
    when `snapshot()` raises or breaks a rule of the protocol (a count that is negative, not a
    number or not finite; a health other than ok/degraded)."""
    try:
        fid = source.id
        raw = source.snapshot()
        if not _is_id(fid) or not isinstance(raw, Mapping):
            return None
        entry: dict[str, Any] = {"id": fid}
        for name in _COUNT_FIELDS:
            value = raw.get(name, 0)
            if not _is_count(value):
                log.debug("snapshot of %s: %s is %r, not a finite number >= 0; not reported", fid, name, value)
                return None
            entry[name] = value
        evictions = raw.get("evictions") or {}
        if not isinstance(evictions, Mapping) or not all(_is_count(evictions.get(k, 0)) for k in _EVICTION_FIELDS):
            log.debug("snapshot of %s: evictions is %r; not reported", fid, evictions)
            return None
        entry["evictions"] = {k: evictions.get(k, 0) for k in _EVICTION_FIELDS}
        computed = raw.get("computed")
        if computed is not None:
            if not _is_count(computed):
                log.debug("snapshot of %s: computed is %r; not reported", fid, computed)
                return None
            entry["computed"] = computed
        health = raw.get("health", "ok")
        if health not in ("ok", "degraded"):
            log.debug("snapshot of %s: health is %r; not reported", fid, health)
            return None
        entry["health"] = health
        causes = raw.get("missCauses")
        if causes is not None:
            if _valid_causes(causes):
                entry["missCauses"] = {k: v for k, v in causes.items() if k in _CAUSE_FIELDS}
            else:
                log.debug("snapshot of %s: missCauses is %r; sent without it", fid, causes)
        verified = raw.get("verify")
        if verified is not None:
            fitted = _fit_verify(verified)
            if fitted is not None:
                entry["verify"] = fitted
            else:
                log.debug("snapshot of %s: verify is %r; sent without it", fid, verified)
        return fid, to_json(entry)
    except Exception as error:
        log.debug("snapshot of a reported cache failed: %r", error)
        return None


_CAUSE_FIELDS = CAUSES + ("ttlMs",)


def _valid_causes(causes: Any) -> bool:
    """Whether `causes` is a miss-causes object the protocol accepts: a count for every cause,
    an optional `ttlMs` count."""
    return (
        isinstance(causes, Mapping)
        and all(_is_count(causes.get(k)) for k in CAUSES)
        and ("ttlMs" not in causes or _is_count(causes["ttlMs"]))
    )


_VERIFY_COUNTS = ("checked", "differed", "failed", "mutated")


def _fit_verify(verified: Any) -> dict[str, Any] | None:
    """The protocol's `verify` object from a snapshot's (the four counts, an optional `diff` of at
    most `MAX_DIFF_PATHS` paths of three strings and a `values` flag), strings cut to the limit;
    None when it breaks a rule (then the entry is sent without it)."""
    if not isinstance(verified, Mapping) or not all(_is_count(verified.get(k)) for k in _VERIFY_COUNTS):
        return None
    out: dict[str, Any] = {k: verified[k] for k in _VERIFY_COUNTS}
    diff = verified.get("diff")
    if diff is None:
        return out
    if not isinstance(diff, Mapping) or not isinstance(diff.get("values"), bool):
        return None
    paths = diff.get("paths")
    if not isinstance(paths, (list, tuple)) or len(paths) > MAX_DIFF_PATHS:
        return None
    fitted = []
    for p in paths:
        if not isinstance(p, Mapping) or not all(isinstance(p.get(k), str) for k in ("path", "cached", "fresh")):
            return None
        fitted.append({k: fit_string(p[k]) for k in ("path", "cached", "fresh")})
    out["diff"] = {"paths": fitted, "values": diff["values"]}
    return out


def result_message(request_id: str, ok: bool, error: str | None = None) -> str:
    """A `result` answering command `request_id`; `error` (cut to the limit) when not ok."""
    message: dict[str, Any] = {"v": 1, "type": "result", "requestId": request_id, "ok": ok}
    if not ok and error is not None:
        message["error"] = fit_string(error)
    return to_json(message)


def trace_message(request_id: str, fid: str, max_entries: Any) -> str:
    """The `trace` of a function whose lookups are not recorded (the Python runtime records none):
    `recording` false, no hashes; `max` is the function's `max` option when it is an int >= 1,
    else null."""
    cap = max_entries if _is_int(max_entries) and max_entries >= 1 else None
    return to_json({
        "v": 1, "type": "trace", "requestId": request_id, "id": fid, "recording": False, "sampleRate": 1,
        "seen": 0, "maxEntries": 0, "max": cap, "count": 0, "hashes": "",
    })
