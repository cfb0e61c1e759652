"""The value format of the shared stores (Redis, Memcached, disk, two-tier): pickle.

Stored form: one format byte, then the payload. `0x50` = `pickle.dumps(value, protocol=5)`,
`0x51` = the same, deflate-compressed (values whose pickle is larger than `compressAboveBytes`).
The JS runtime writes `0x01`/`0x02` (v8's format): each runtime reads the other's values as a
miss, counted as `ValueUnreadableError`, never as a wrong value.

Why pickle: it is the one format that gives back exactly what went in for the values Python
functions return: tuples stay tuples, `set`, `frozenset`, `bytes`, `datetime`, `Decimal`, `UUID`,
`Enum`, dict keys of any hashable type, dataclasses and class instances (by module and class
name), `float('nan')`, `-0.0` and shared or cyclic references. JSON would turn tuples into lists,
int dict keys into strings and refuse the rest.

What it trusts: reading a value runs `pickle.loads`, which can run any code the payload names.
Anyone who can write to that Redis, that Memcached or that disk directory can run code in the app.
Keep those servers on a private network with authentication (or a socket only the app reaches),
and the disk directory writable by the app's user only. Never point a shared backend at a server
that untrusted parties can write to.

What it refuses (the call returns the value uncached; `set` reports `ValueNotSerializableError`):
whatever pickle refuses (lambdas and local functions, local classes, locks, open files and sockets,
generators, objects whose `__reduce__` raises, values nested deeper than the recursion limit), and
stored forms larger than `maxValueBytes` (`ValueTooLargeError`). A value pickled by reference to
a class that another process cannot import (a class of `__main__` in another program) is read
there as a miss (`ValueUnreadableError`).

Options (shared by the shared backends' entries): `compressAboveBytes` (bytes, default 16384;
`false`: never), `maxValueBytes` (bytes, default 1048576, Memcached's item size), and
`allowClassInstances` (boolean, accepted for the shared schema: the JS runtime needs it because
its format loses classes; pickle keeps them, so class instances are cached either way).
"""

from __future__ import annotations

import pickle
import zlib
from typing import Any

from ..base import MISS
from .errors import ValueNotSerializableError, ValueTooLargeError, ValueUnreadableError
from .options import BackendOptions

__all__ = ["Codec", "PICKLE", "PICKLE_DEFLATED", "PICKLE_PROTOCOL"]

PICKLE = 0x50
PICKLE_DEFLATED = 0x51
PICKLE_PROTOCOL = 5
"""Fixed (not HIGHEST_PROTOCOL) so that every Python >= 3.8 of a rolling upgrade reads it."""

_DEFAULT_COMPRESS_ABOVE = 16_384
_DEFAULT_MAX_VALUE = 1_048_576


class Codec:
    """Encodes values for one backend entry; built from its options (read from `options`)."""

    def __init__(self, options: BackendOptions) -> None:
        raw = options.raw("compressAboveBytes")
        if raw is False:
            self.compress_above: int | None = None
        else:
            self.compress_above = options.whole("compressAboveBytes", _DEFAULT_COMPRESS_ABOVE, minimum=0)
        limit = options.whole("maxValueBytes", _DEFAULT_MAX_VALUE, minimum=1)
        assert limit is not None
        self.max_value_bytes = limit
        options.boolean("allowClassInstances", False)

    def encode(self, value: Any, namespace: str) -> bytes:
        """The stored form. Raises `ValueNotSerializableError` or `ValueTooLargeError`."""
        try:
            payload = pickle.dumps(value, protocol=PICKLE_PROTOCOL)
        except RecursionError:
            raise ValueNotSerializableError(namespace, "it is nested deeper than the recursion limit") from None
        except Exception as exc:  # pickle raises PicklingError, TypeError, AttributeError...
            raise ValueNotSerializableError(namespace, f"{type(exc).__name__}: {exc}") from None
        header = PICKLE
        if self.compress_above is not None and len(payload) > self.compress_above:
            payload = zlib.compress(payload, 3)
            header = PICKLE_DEFLATED
        if len(payload) + 1 > self.max_value_bytes:
            raise ValueTooLargeError(namespace, len(payload) + 1, self.max_value_bytes)
        return bytes((header,)) + payload

    @staticmethod
    def decode(data: bytes) -> Any:
        """The value of a stored form. Raises `ValueUnreadableError`."""
        if not data:
            raise ValueUnreadableError("it is empty")
        header = data[0]
        try:
            if header == PICKLE:
                return pickle.loads(memoryview(data)[1:])
            if header == PICKLE_DEFLATED:
                return pickle.loads(zlib.decompress(memoryview(data)[1:]))
        except Exception as exc:
            raise ValueUnreadableError(f"{type(exc).__name__}: {exc}") from None
        raise ValueUnreadableError(f"unknown format byte 0x{header:02x}")

    def decode_or_miss(self, data: bytes, events: Any) -> Any:
        """`decode`, for a read: a value that does not decode is reported and answered `MISS`."""
        try:
            return self.decode(data)
        except ValueUnreadableError as exc:
            events.backend_error(exc)
            return MISS

    def encode_or_report(self, value: Any, namespace: str, events: Any) -> bytes | None:
        """`encode`, for a write: a value that cannot be stored is reported and gives None."""
        try:
            return self.encode(value, namespace)
        except (ValueNotSerializableError, ValueTooLargeError) as exc:
            events.backend_error(exc)
            return None
