"""Remote backends fail open on real faults: a server frozen with SIGSTOP (connections accepted,
nothing answered), killed and restarted, or never there. Calls always return (bounds here are
generous ones that only prove "did not hang"), failures are counted once each, health says
degraded while the breaker is open, and caching resumes by itself."""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import pytest

from cachelens.stores.base import MISS
from cachelens.stores.remote.errors import BackendTimeoutError, BackendUnavailableError

from backends import REMOTE, StoreMaker
from conftest import eventually
from servers import Server, free_port

HANG_BOUND_S = 5.0
"""No single call may take this long: it proves a call did not hang (the command timeout is 0.5 s)."""


def bounded(call: Callable[[], Any]) -> Any:
    started = time.monotonic()
    result = call()
    assert time.monotonic() - started < HANG_BOUND_S, "a call hung on the server"
    return result


def entry(kind: str, server: Server) -> dict[str, Any]:
    prefix = f"f{time.monotonic_ns()}:"
    if kind == "memcached":
        return {"type": kind, "servers": server.address, "keyPrefix": prefix}
    return {"type": kind, "url": server.url, "keyPrefix": prefix}


@pytest.fixture(params=REMOTE)
def rig(request: pytest.FixtureRequest) -> Iterator[tuple[Server, StoreMaker]]:
    server = Server("memcached" if request.param == "memcached" else "redis").start()
    maker = StoreMaker(request.param, entry(request.param, server))
    yield server, maker
    maker.close()
    server.stop()


def other_process(maker: StoreMaker) -> Any:
    """A store of the same function on its own connection, as another process would have
    (different settings never share a connection); Memcached's re-reads its generation every time."""
    extra: dict[str, Any] = {"commandTimeoutMs": 499}
    if maker.kind == "memcached":
        extra["generationRefreshMs"] = 0
    return maker(**extra)


def test_a_frozen_server_costs_bounded_calls_then_is_skipped_and_caching_resumes(rig) -> None:
    server, make = rig
    store = make()
    store.set('"k"', 1, None)
    assert store.get('"k"') == 1
    server.pause()
    try:
        results = [bounded(lambda i=i: store.get(f'"m{i}"')) for i in range(8)]
        assert results == [MISS] * 8
        errors = store.test_events.errors
        assert len(errors) == 5, "each failed call counts once; calls skipped while open count nothing"
        assert all(isinstance(e, BackendTimeoutError) for e in errors)
        assert store.health() == "degraded"
        bounded(lambda: store.set('"n"', 2, None))  # dropped, not raised
    finally:
        server.resume()
    assert eventually(lambda: store.health() == "ok", timeout_s=10), "the recovery probe closes the breaker"
    store.set('"after"', 3, None)
    assert store.get('"after"') == 3


def test_a_clear_during_the_hang_is_retried_until_confirmed_and_no_old_entry_is_served(rig) -> None:
    server, make = rig
    store = make()
    elsewhere = other_process(make)
    store.set('"k"', "old", None)
    assert elsewhere.get('"k"') == "old"
    server.pause()
    try:
        assert bounded(store.clear) is False, "unconfirmed"
        assert store.invalidation_pending
        errors_before = len(store.test_events.errors)
        assert bounded(lambda: store.get('"k"')) is MISS
        bounded(lambda: store.set('"k"', "written during the hang", None))
        assert store.get('"k"') is MISS
        assert len(store.test_events.errors) == errors_before, "while a clear is pending, the server is not asked"
    finally:
        server.resume()
    assert store.wait_invalidations(10), "the clear is confirmed once the server answers"
    assert not store.invalidation_pending
    assert store.get('"k"') is MISS
    assert eventually(lambda: elsewhere.get('"k"') is MISS, timeout_s=10), "the clear reached the other process"
    store.set('"k"', "new", None)
    assert store.get('"k"') == "new"


def test_a_killed_server_is_failed_open_and_a_restarted_one_is_used_again(rig) -> None:
    server, make = rig
    store = make()
    store.set('"k"', 1, None)
    server.kill()
    results = [bounded(lambda i=i: store.get(f'"m{i}"')) for i in range(6)]
    assert results == [MISS] * 6
    assert 1 <= len(store.test_events.errors) <= 5
    assert all(isinstance(e, (BackendUnavailableError, BackendTimeoutError)) for e in store.test_events.errors)
    assert store.health() == "degraded"
    bounded(lambda: store.set('"k"', 2, None))
    server.start()  # same port

    def cached() -> bool:
        store.set('"back"', "yes", None)
        return store.get('"back"') == "yes"

    assert eventually(cached, timeout_s=10)
    assert eventually(lambda: store.health() == "ok", timeout_s=10)


@pytest.mark.parametrize("kind", REMOTE)
def test_a_server_that_is_not_there_never_raises(kind: str) -> None:
    port = free_port()
    fields: dict[str, Any] = {"type": kind}
    if kind == "memcached":
        fields["servers"] = f"127.0.0.1:{port}"
    else:
        fields["url"] = f"redis://127.0.0.1:{port}/0"
    make = StoreMaker(kind, fields)
    try:
        store = make(_no_wait=True)
        for i in range(7):
            bounded(lambda i=i: store.set(f'"k{i}"', i, 60_000))
            assert bounded(lambda i=i: store.get(f'"k{i}"')) is MISS
        assert bounded(store.clear) is False
        assert bounded(lambda: store.delete('"k0"')) is False
        assert len(store.test_events.errors) == 5
        assert store.health() == "degraded"
    finally:
        make.close()


def test_each_call_on_a_frozen_server_counts_one_error(rig) -> None:
    server, make = rig
    store = make()
    store.get('"warm"')  # the generation is known: the calls below need one command each
    server.pause()
    try:
        bounded(lambda: store.set('"k"', 1, None))
        assert len(store.test_events.errors) == 1, "one failed call, one error (a failed write is not announced)"
        assert bounded(lambda: store.get('"k"')) is MISS
        assert len(store.test_events.errors) == 2
    finally:
        server.resume()


def test_a_delete_during_the_hang_is_retried_and_blocks_only_its_key(rig) -> None:
    server, make = rig
    store = make()
    elsewhere = other_process(make)
    store.set('"gone"', "old", None)
    store.set('"kept"', "kept", None)
    assert elsewhere.get('"gone"') == "old"
    server.pause()
    try:
        assert bounded(lambda: store.delete('"gone"')) is False, "not confirmed"
        assert store.invalidation_pending
        errors_before = len(store.test_events.errors)
        assert bounded(lambda: store.get('"gone"')) is MISS
        assert len(store.test_events.errors) == errors_before, "the pending key is not asked for"
    finally:
        server.resume()
    assert store.wait_invalidations(10)
    assert eventually(lambda: elsewhere.get('"gone"') is MISS, timeout_s=10)
    assert store.get('"kept"') == "kept"
