"""Durations and sizes: exactly the grammar of runtime/shared/units.js (docs/configuration.md)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from cachelens.limits import MAX_DURATION_MS, MAX_ENTRIES, bytes_range_problem, duration_range_problem, entries_problem
from cachelens.units import DURATION_PATTERN, SIZE_PATTERN, Problem, duration_ms, size_bytes


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("30s", 30_000),
        ("5m", 300_000),
        ("1.5h", 5_400_000),
        ("500ms", 500),
        ("1d", 86_400_000),
        ("90", 90_000),
        (" 5 m ", 300_000),
        ("\t2s\t", 2000),
        ("1.5ms", 1.5),
        ("", None),
        ("   ", None),
        ("0", None),
        ("0s", None),
    ],
)
def test_accepted_duration_strings(text: str, ms: float | None) -> None:
    assert duration_ms(text) == ms


@pytest.mark.parametrize(
    "text", ["5M", "1H", "5min", "5 minutes", "1h30m", "-1s", "1e3", ".5h", "5.", "5m\n", "\n5m", "5 s s", "١s"]
)
def test_refused_duration_strings(text: str) -> None:
    result = duration_ms(text)
    assert isinstance(result, Problem)
    assert "must be a number of seconds" in result.problem


def test_duration_numbers_are_seconds() -> None:
    assert duration_ms(30) == 30_000
    assert duration_ms(0.5) == 500
    assert duration_ms(0) is None
    assert duration_ms(math.inf) is None
    assert duration_ms(None) is None
    for bad in (-1, math.nan, True, [1], {}):
        assert isinstance(duration_ms(bad), Problem)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("100KB", 102_400),
        ("1.5MB", 1_572_864),
        ("1GB", 1024**3),
        ("1gb", 1024**3),
        ("64MiB", 64 * 1024**2),
        ("512", 512),
        (" 10 MB ", 10 * 1024**2),
        ("0.1B", 1),
        ("1.5B", 1),
        ("", None),
    ],
)
def test_accepted_size_strings(text: str, size: int | None) -> None:
    assert size_bytes(text) == size


@pytest.mark.parametrize("text", ["0", "0KB", "1K", "1PB", "-1KB", "1e3", "big", "0.0MB", "1KB\n"])
def test_refused_size_strings(text: str) -> None:
    assert isinstance(size_bytes(text), Problem)


def test_size_numbers_are_bytes() -> None:
    assert size_bytes(4096) == 4096
    for bad in (0, -1, math.nan, False):
        assert isinstance(size_bytes(bad), Problem)


def test_the_patterns_are_the_text_of_the_js_grammar() -> None:
    units_js = (Path(__file__).resolve().parents[2] / "runtime" / "shared" / "units.js").read_text()
    # units.js writes the pattern with its SP constant; expand it as it does
    sp = "[ \\\\t]*"
    for pattern in (DURATION_PATTERN, SIZE_PATTERN):
        js_form = pattern.replace("[ \\t]*", "${SP}").replace("\\", "\\\\")
        assert js_form in units_js, pattern
    assert sp  # the JS escapes every backslash once more in its template strings


def test_ranges_are_those_of_limits_ts() -> None:
    assert MAX_ENTRIES == 16_777_216
    assert entries_problem(1, False) is None and entries_problem(MAX_ENTRIES, False) is None
    assert entries_problem(MAX_ENTRIES + 1, False) is not None
    assert entries_problem(math.inf, True) is None and entries_problem(math.inf, False) is not None
    assert entries_problem(True, False) is not None and entries_problem(2.5, True) is not None
    assert duration_range_problem(MAX_DURATION_MS, "36500d") is None
    assert "100 years" in (duration_range_problem(MAX_DURATION_MS + 1, "36501d") or "")
    assert bytes_range_problem(1, 1) is None and bytes_range_problem(math.inf, math.inf) is None
    assert bytes_range_problem(1.5, 1.5) is not None
