"""The reporter's parts on their own: command validation, splitting, backoff, string limits,
entries that cannot be made valid. (The conversation itself: test_reporter_live.py.)"""

from __future__ import annotations

import json
import math

import pytest

from cachelens.reporter.backoff import Backoff
from cachelens.reporter.batching import ENVELOPE_BYTES, split, stats_message
from cachelens.reporter.commands import Command, parse_command
from cachelens.reporter.messages import descriptor_entry, fit_string, stats_entry, to_json, trace_message
from reporter_support import FakeReported


@pytest.mark.parametrize(
    "frame, command",
    [
        ('{"v":1,"type":"pause"}', Command("pause")),
        ('{"v":1.0,"type":"resume","extra":[1]}', Command("resume")),
        ('{"v":1,"type":"clear","requestId":"r"}', Command("clear", "r")),
        ('{"v":1,"type":"clear","requestId":"r","id":"a#f"}', Command("clear", "r", "a#f")),
        ('{"v":1,"type":"delete-key","requestId":"r","id":"a#f","key":""}', Command("delete-key", "r", "a#f", "")),
        ('{"v":1,"type":"trace-request","requestId":"r","id":"a#f"}', Command("trace-request", "r", "a#f")),
    ],
)
def test_valid_commands_are_understood(frame: str, command: Command) -> None:
    assert parse_command(frame) == command


@pytest.mark.parametrize(
    "frame",
    [
        b'{"v":1,"type":"pause"}',  # binary
        "{not json",
        '{"v":NaN,"type":"pause"}',
        "[1]",
        '"pause"',
        '{"type":"pause"}',
        '{"v":true,"type":"pause"}',
        '{"v":2,"type":"pause"}',
        '{"v":1,"type":"Pause"}',
        '{"v":1,"type":"clear"}',
        '{"v":1,"type":"clear","requestId":""}',
        '{"v":1,"type":"clear","requestId":"r","id":null}',
        '{"v":1,"type":"clear","requestId":"r","id":""}',
        '{"v":1,"type":"delete-key","requestId":"r","id":"a#f"}',
        '{"v":1,"type":"delete-key","requestId":"r","id":"a#f","key":7}',
        '{"v":1,"type":"trace-request","requestId":"r"}',
        json.dumps({"v": 1, "type": "clear", "requestId": "r" * 4097}),
        "[" * 100000 + "]" * 100000,
    ],
)
def test_invalid_commands_are_ignored(frame: object) -> None:
    assert parse_command(frame) is None


def test_a_string_of_4096_code_points_is_valid_and_4097_is_not() -> None:
    emoji = "\U0001F600"
    assert parse_command(json.dumps({"v": 1, "type": "trace-request", "requestId": emoji * 4096, "id": "f"})) is not None
    assert parse_command(json.dumps({"v": 1, "type": "trace-request", "requestId": emoji * 4097, "id": "f"})) is None


def test_split_fills_a_message_until_the_next_entry_would_pass_500_entries_or_1_mib() -> None:
    assert [len(g) for g in split(["{}"] * 1201)] == [500, 500, 201]
    big = ['"' + "x" * 100_000 + '"'] * 25  # 100 KiB each: 10 fit in 1 MiB with the envelope
    groups = list(split(big))
    assert [len(g) for g in groups] == [10, 10, 5]
    for group in groups:
        assert len(stats_message(1, 0, group).encode()) <= 1024 * 1024 - ENVELOPE_BYTES + 64
    wide = ['"' + "\u00e9" * 60_000 + '"'] * 10  # 120 KiB of UTF-8 each, 60 000 characters
    assert [len(g) for g in split(wide)] == [8, 2]


def test_backoff_follows_the_protocol_formula_and_a_stall_counts_until_health() -> None:
    low = Backoff(rand=lambda: 0.0)
    assert [low.next_delay() for _ in range(8)] == [0.25, 0.5, 1, 2, 4, 8, 15, 15]
    high = Backoff(rand=lambda: 0.999999)
    assert math.isclose(high.next_delay(), 0.5, rel_tol=1e-5)
    high.opened(now=100.0)
    assert high.attempt == 0
    high.next_delay()
    high.stalled()
    high.opened(now=200.0)
    assert high.attempt == 1  # a stall is not forgiven by an open
    high.healthy(now=210.0)
    assert high.attempt == 1
    high.healthy(now=230.0)
    assert high.attempt == 0  # healthy for the longest delay (30 s)


def test_strings_are_cut_to_4096_code_points_without_splitting_a_character() -> None:
    assert fit_string("\U0001F600" * 5000) == "\U0001F600" * 4096
    assert fit_string("short") == "short"


def test_a_lone_surrogate_is_sent_escaped_so_the_frame_stays_valid_utf8() -> None:
    text = to_json({"app": "a\ud800b\u00e9"})
    text.encode("utf-8")
    assert json.loads(text) == {"app": "a\ud800b\u00e9"}


def test_descriptors_keep_ids_whole_cut_other_strings_and_drop_what_is_not_a_scalar() -> None:
    fake = FakeReported("app/x.py#f", backend="b" * 5000, options={"ttl": 1.5, "n": None, "bad": [1], "inf": float("inf"), "s": "v" * 5000})
    entry = json.loads(descriptor_entry(fake) or "null")
    assert entry["backend"] == "b" * 4096
    assert entry["options"] == {"ttl": 1.5, "n": None, "s": "v" * 4096}
    assert descriptor_entry(FakeReported("x" * 4097)) is None
    assert descriptor_entry(FakeReported("")) is None


def test_a_snapshot_that_breaks_a_rule_or_raises_is_left_out() -> None:
    fake = FakeReported("app/x.py#f")
    assert stats_entry(fake) is not None
    fake.figures["hits"] = -1
    assert stats_entry(fake) is None
    fake.figures["hits"] = float("nan")
    assert stats_entry(fake) is None
    fake.figures["hits"] = True
    assert stats_entry(fake) is None

    class Broken(FakeReported):
        def snapshot(self):  # type: ignore[override]
            raise RuntimeError("broken counter")

    assert stats_entry(Broken("app/x.py#g")) is None


def test_the_trace_of_an_unrecorded_function_is_empty_and_valid() -> None:
    message = json.loads(trace_message("r", "a#f", 100))
    assert message == {"v": 1, "type": "trace", "requestId": "r", "id": "a#f", "recording": False, "sampleRate": 1,
                       "seen": 0, "maxEntries": 0, "max": 100, "count": 0, "hashes": ""}
    assert json.loads(trace_message("r", "a#f", None))["max"] is None
    assert json.loads(trace_message("r", "a#f", 0))["max"] is None


def test_the_app_name_is_cachelens_app_else_the_app_root_folder_else_the_script(tmp_path, monkeypatch) -> None:
    from cachelens.reporter.identity import app_name

    app = tmp_path / "shop"
    (app / "web").mkdir(parents=True)
    (app / "requirements.txt").write_text("flask\n")
    monkeypatch.delenv("CACHELENS_APP", raising=False)
    monkeypatch.chdir(app / "web")
    monkeypatch.setattr("sys.argv", ["/usr/bin/gunicorn", "web:app"])
    assert app_name() == "shop"  # from the working directory, as under gunicorn
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.argv", [str(app / "web" / "main.py")])
    assert app_name() == "shop"  # from the main script
    monkeypatch.setattr("sys.argv", [str(tmp_path / "tool.py")])
    assert app_name() == "tool.py"
    monkeypatch.setattr("sys.argv", [str(tmp_path / "pkg" / "__main__.py")])
    assert app_name() == "pkg"
    monkeypatch.setenv("CACHELENS_APP", "named")
    assert app_name() == "named"
