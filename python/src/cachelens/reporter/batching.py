"""Splitting a batch into messages (docs/protocol.md 5.3): at most 500 entries and at most 1 MiB
of UTF-8 JSON per message. Entries arrive as JSON text (messages.py), so sizes are exact."""

from __future__ import annotations

from typing import Iterator, Sequence

from .messages import MAX_ENTRIES_PER_MESSAGE, MAX_MESSAGE_BYTES

__all__ = ["split", "functions_messages", "stats_message"]

#: Room kept for the envelope (`{"v":1,"type":"stats","seq":…,"at":…,"stats":[…]}`), in bytes.
ENVELOPE_BYTES = 256


def split(entries: Sequence[str], max_entries: int = MAX_ENTRIES_PER_MESSAGE, max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[list[str]]:
    """`entries` (JSON texts) in order, in groups that fit one message each: a group is filled
    until the next entry would pass `max_entries` or `max_bytes` (envelope included). An entry is
    at most about 200 KiB (its strings are bounded), so one always fits."""
    group: list[str] = []
    size = ENVELOPE_BYTES
    for entry in entries:
        length = len(entry.encode("utf-8")) + 1  # the comma
        if group and (len(group) == max_entries or size + length > max_bytes):
            yield group
            group = []
            size = ENVELOPE_BYTES
        group.append(entry)
        size += length
    if group:
        yield group


def functions_messages(descriptors: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    """(group, message text) for each `functions` message that carries `descriptors`."""
    for group in split(descriptors):
        yield group, '{"v":1,"type":"functions","functions":[' + ",".join(group) + "]}"


def stats_message(seq: int, at: int, group: Sequence[str]) -> str:
    """One `stats` message: `seq` (1, 2, … per connection), `at` (ms since the Unix epoch)."""
    return '{"v":1,"type":"stats","seq":%d,"at":%d,"stats":[%s]}' % (seq, at, ",".join(group))
