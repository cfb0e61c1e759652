"""Remote stores across threads and forks, and values they cannot read."""

from __future__ import annotations

import os
import threading
import time
from typing import Iterator

import pytest
import redis as redis_py

from cachelens.stores.base import MISS
from cachelens.stores.remote.errors import ValueUnreadableError

from backends import StoreMaker
from conftest import eventually
from servers import Server


@pytest.fixture(params=["redis", "tiered"])
def make(request: pytest.FixtureRequest, redis_server: Server) -> Iterator[StoreMaker]:
    maker = StoreMaker(request.param, {"type": request.param, "url": redis_server.url,
                                       "keyPrefix": f"p{time.monotonic_ns()}:"})
    yield maker
    maker.close()


@pytest.fixture(params=["redis", "tiered", "memcached"])
def make_any(request: pytest.FixtureRequest) -> Iterator[StoreMaker]:
    prefix = f"p{time.monotonic_ns()}:"
    if request.param == "memcached":
        server = request.getfixturevalue("memcached_server")
        entry = {"type": "memcached", "servers": server.address, "keyPrefix": prefix}
    else:
        server = request.getfixturevalue("redis_server")
        entry = {"type": request.param, "url": server.url, "keyPrefix": prefix}
    maker = StoreMaker(request.param, entry)
    yield maker
    maker.close()


def data_keys(server: Server, prefix: str) -> list[bytes]:
    client = redis_py.Redis.from_url(server.url)
    try:
        return [k for k in client.scan_iter(match=prefix + "*") if not k.endswith(b":gen") and b"__" not in k]
    finally:
        client.close()


def test_a_value_in_another_format_is_a_counted_miss_then_overwritten(make: StoreMaker, redis_server: Server) -> None:
    store = make()
    store.set('"k"', "python", None)
    [key] = data_keys(redis_server, make.entry["keyPrefix"])
    client = redis_py.Redis.from_url(redis_server.url)
    client.set(key, b"\x01\xff\x0dwritten by the JS runtime")  # v8's format byte
    client.close()
    other = make(commandTimeoutMs=498)  # its own connection and, for tiered, an empty L1
    assert other.get('"k"') is MISS
    assert isinstance(other.test_events.errors[-1], ValueUnreadableError)
    other.set('"k"', "again", None)
    assert other.get('"k"') == "again"


def test_threads_share_one_store(make_any: StoreMaker) -> None:
    store = make_any()
    failures: list[str] = []

    def work(n: int) -> None:
        for i in range(100):
            key = f'"t{n}-{i % 10}"'
            store.set(key, (n, i), None)
            value = store.get(key)
            if value is MISS or value[0] != n:
                failures.append(f"{key}: {value!r}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    assert store.test_events.errors == []


def test_a_forked_child_uses_the_store_as_its_own_process(make_any: StoreMaker) -> None:
    make = make_any
    # Redis: no re-read of the generation and no L1 expiry within the test, so only the child's
    # message can tell the parent of its clear. Memcached has no messages: it re-reads every time.
    if make.kind == "memcached":
        store = make(generationRefreshMs=0)
    else:
        slow = {"generationRefreshMs": 600_000}
        store = make(**slow, **({"l1": {"ttlMs": 600_000}} if make.kind == "tiered" else {}))
    # Connections are opened (and pooled) before the fork, as in a gunicorn --preload master.
    for i in range(20):
        store.set(f'"warm{i}"', i, None)
    store.set('"k"', "from the parent", None)
    assert store.get('"k"') == "from the parent"
    to_parent, from_child = os.pipe()
    to_child, from_parent = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe, never return into pytest
        code = 1
        try:
            os.close(to_parent)
            os.close(from_parent)
            ok = store.get('"k"') == "from the parent"
            ok = ok and all(store.get(f'"warm{i}"') == i for i in range(20))
            for i in range(300):
                store.set(f'"c{i}"', ("child", i), None)
                ok = ok and store.get(f'"c{i}"') == ("child", i)
            store.set('"child"', "from the child", None)
            ok = ok and store.get('"child"') == "from the child"
            os.write(from_child, b"L")
            os.read(to_child, 1)  # the parent's loop is over: now clear
            ok = ok and store.clear() is True
            if make.kind == "tiered":
                ok = ok and eventually(lambda: store.listening, timeout_s=10)
            code = 0 if ok else 2
        finally:
            os.write(from_child, bytes([code]))
            os._exit(code)
    os.close(from_child)
    os.close(to_child)
    try:
        # Both processes at once: sockets shared across the fork would hand each the other's replies.
        mixed = [i for i in range(300)
                 if (store.set(f'"p{i}"', ("parent", i), None), store.get(f'"p{i}"'))[1] != ("parent", i)]
        assert os.read(to_parent, 1) == b"L"
        os.write(from_parent, b"C")
        _, status = os.waitpid(pid, 0)
        assert os.read(to_parent, 1) == b"\x00"
    finally:
        os.close(to_parent)
        os.close(from_parent)
    assert os.waitstatus_to_exitcode(status) == 0
    assert mixed == [], "the parent read only its own replies"
    assert eventually(lambda: store.get('"k"') is MISS, timeout_s=10), "the child's clear reached the parent"
    assert store.get('"child"') is MISS
    assert all(store.get(f'"warm{i}"') is MISS for i in range(20)), "the parent's sockets still answer it alone"
    store.set('"after"', "parent", None)
    assert store.get('"after"') == "parent"
    assert store.test_events.errors == []
