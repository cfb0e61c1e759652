"""Several replicas of one app on one Redis (or Memcached), as real processes: what one writes,
deletes or clears, the others see; with `tiered`, each answers hot keys from its own L1 and drops
them when another replica invalidates them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from cachelens.stores.base import MISS

from backends import StoreMaker
from conftest import eventually
from servers import Server

HERE = Path(__file__).resolve().parent
NAMESPACE = "app/test.py#f"


class Replica:
    """Another process holding a store of the same function (replica.py)."""

    def __init__(self, entry: dict[str, Any]) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent / "src"), str(HERE)])}
        self.proc = subprocess.Popen([sys.executable, str(HERE / "replica.py"), json.dumps(entry), NAMESPACE],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        assert self._read() == {"ready": True}

    def _read(self) -> Any:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the replica exited"
        return json.loads(line)

    def ask(self, op: str, **fields: Any) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def get(self, key: str) -> Any:
        answer = self.ask("get", key=key)
        return MISS if answer["miss"] else answer["value"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def redis_rig(redis_server: Server) -> Iterator[tuple[dict[str, Any], StoreMaker, list[Replica]]]:
    entry = {"type": "tiered", "url": redis_server.url, "keyPrefix": f"r{time.monotonic_ns()}:"}
    maker = StoreMaker("tiered", entry)
    replicas: list[Replica] = []
    yield entry, maker, replicas
    for replica in replicas:
        replica.close()
    maker.close()


def test_tiered_replicas_answer_from_l1_and_drop_what_another_replica_invalidates(redis_rig) -> None:
    entry, make, replicas = redis_rig
    here = make(namespace=NAMESPACE)
    there = Replica(entry)
    replicas.append(there)
    assert eventually(lambda: there.ask("listening")["value"], timeout_s=10)

    here.set('"k"', 1, None)
    assert there.get('"k"') == 1
    # The write's own message may reach the replica after its read (dropping the copy it just
    # kept): once it has, a read keeps the value in L1.
    assert eventually(lambda: there.get('"k"') == 1 and there.ask("entries")["value"] == 1, timeout_s=10), \
        "kept in the replica's L1"

    here.set('"k"', 2, None)  # the replica's L1 copy is dropped by the message
    assert eventually(lambda: there.get('"k"') == 2, timeout_s=10)

    there.ask("delete", key='"k"')
    assert eventually(lambda: here.get('"k"') is MISS, timeout_s=10)

    here.set('"a"', "a", None)
    here.set('"b"', "b", None)
    assert there.get('"a"') == "a" and there.get('"b"') == "b"
    assert there.ask("clear")["value"] is True
    assert eventually(lambda: here.entries() == 0, timeout_s=10), "the clear emptied this replica's L1"
    assert here.get('"a"') is MISS and here.get('"b"') is MISS
    assert there.ask("errors")["value"] == 0


def test_a_replica_sees_a_clear_made_while_redis_was_frozen_once_it_is_confirmed(fresh_redis: Server) -> None:
    for kind in ("redis", "tiered"):
        entry = {"type": kind, "url": fresh_redis.url, "keyPrefix": f"{kind}{time.monotonic_ns()}:"}
        make = StoreMaker(kind, entry)
        there = Replica(entry)
        try:
            here = make(namespace=NAMESPACE)
            assert eventually(lambda: there.ask("listening")["value"], timeout_s=10)
            here.set('"k"', "old", None)
            assert there.get('"k"') == "old"
            fresh_redis.pause()
            try:
                assert here.clear() is False
                assert here.get('"k"') is MISS, "this process serves no old entry meanwhile"
            finally:
                fresh_redis.resume()
            assert here.wait_invalidations(10)
            assert eventually(lambda: there.get('"k"') is MISS, timeout_s=10), kind
        finally:
            there.close()
            make.close()


def test_memcached_replicas_see_a_clear_within_the_generation_refresh(memcached_server: Server) -> None:
    entry = {"type": "memcached", "servers": memcached_server.address, "keyPrefix": f"m{time.monotonic_ns()}:",
             "generationRefreshMs": 200}
    make = StoreMaker("memcached", entry)
    there = Replica(entry)
    try:
        here = make(namespace=NAMESPACE)
        here.set('"k"', {"v": 1}, None)
        assert there.get('"k"') == {"v": 1}
        assert here.clear() is True
        assert eventually(lambda: there.get('"k"') is MISS, timeout_s=10)
    finally:
        there.close()
        make.close()
