"""The key scheme of the Redis and Memcached stores (the same as the JS runtime's):

    prefix + namespace + ':' + generation + ':' + key     myapp:app/prices.py#prices_by_region:1733480000000:("eu",)
    prefix + namespace + ':gen'                            the function's generation counter

A part that is long, or holds anything but printable ASCII (Memcached forbids spaces and control
characters, and its keys are at most 250 bytes), is replaced by `#` + the first 128 bits of its
SHA-256 in base64url, so every key stays within the server's bound. Clearing a function increments
its generation: old keys are never read again and leave by their TTL or the server's eviction.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

__all__ = ["key_part", "KeyScheme", "initial_generation"]

_PRINTABLE = re.compile(r"[\x21-\x7e]*")
_GENERATION_ROOM = 21
"""A generation (a 64-bit counter: at most 20 digits) and its separator."""


def key_part(part: str, max_length: int) -> str:
    """`part` itself when short and printable ASCII, else `#` + a hash of it (the two never collide:
    a part starting with `#` is always hashed)."""
    if len(part) <= max_length and not part.startswith("#") and _PRINTABLE.fullmatch(part):
        return part
    digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).digest()
    return "#" + base64.urlsafe_b64encode(digest).decode("ascii")[:22]


class KeyScheme:
    """The keys of one function (namespace) under one prefix. `max_total`: the server's key
    length bound in bytes (Memcached: 250), which sizes the namespace and key parts: every key
    stays within it as long as the prefix leaves room (Memcached's prefix is at most 100 bytes)."""

    def __init__(self, prefix: str, namespace: str, max_total: int = 1024) -> None:
        prefix_bytes = len(prefix.encode("utf-8"))
        # Room for the namespace, so that the key part keeps at least a hash's length (23).
        namespace_max = max(23, min(120, max_total - prefix_bytes - 1 - _GENERATION_ROOM - 23))
        self.base = prefix + key_part(namespace, namespace_max) + ":"
        self.generation_key = self.base + "gen"
        self._max_key = max(23, max_total - len(self.base.encode("utf-8")) - _GENERATION_ROOM)

    def data(self, generation: str, key: str) -> str:
        return self.base + generation + ":" + key_part(key, self._max_key)


def initial_generation() -> str:
    """A function's first generation: the current time in ms, so a counter lost to eviction never
    revives the keys of an older generation."""
    return str(int(time.time() * 1000))
