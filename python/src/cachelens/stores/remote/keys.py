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


def key_part(part: str, max_length: int) -> str:
    """`part` itself when short and printable ASCII, else `#` + a hash of it (the two never collide:
    a part starting with `#` is always hashed)."""
    if len(part) <= max_length and not part.startswith("#") and _PRINTABLE.fullmatch(part):
        return part
    digest = hashlib.sha256(part.encode("utf-8", "surrogatepass")).digest()
    return "#" + base64.urlsafe_b64encode(digest).decode("ascii")[:22]


class KeyScheme:
    """The keys of one function (namespace) under one prefix. `max_total`: the server's key
    length bound in bytes (Memcached: 250), which sizes the key part."""

    def __init__(self, prefix: str, namespace: str, max_total: int = 1024) -> None:
        self.base = prefix + key_part(namespace, 120) + ":"
        self.generation_key = self.base + "gen"
        # 20: a generation (13 digits of ms, or more after increments) and two separators.
        self._max_key = max(23, max_total - len(self.base.encode("utf-8")) - 20)

    def data(self, generation: str, key: str) -> str:
        return self.base + generation + ":" + key_part(key, self._max_key)


def initial_generation() -> str:
    """A function's first generation: the current time in ms, so a counter lost to eviction never
    revives the keys of an older generation."""
    return str(int(time.time() * 1000))
