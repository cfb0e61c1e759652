"""The reporter against the extension's REAL live server (extension/src/server, run by Node), and
against raw sockets for what the server never does (refusing with 403/404/426, not reading).
Each program under test is a process of its own (reporter_driver.py), as an application is."""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
from typing import Iterator

import pytest

from reporter_support import FakeReported, LiveServerProcess, Program, wait_until

F = "app/prices.py#prices"
G = "app/prices.py#regions"


@pytest.fixture
def server() -> Iterator[LiveServerProcess]:
    live = LiveServerProcess()
    try:
        yield live
    finally:
        live.close()


@pytest.fixture
def programs() -> Iterator[list[Program]]:
    started: list[Program] = []
    try:
        yield started
    finally:
        for program in started:
            program.kill()


def stats_entries(server: LiveServerProcess, fid: str) -> list[dict]:
    return [e for m in server.state()["log"] if m.get("type") == "stats" for e in m["entries"] if e["id"] == fid]


def no_drops(server: LiveServerProcess) -> None:
    assert sum(server.state()["rejections"].values()) == 0, server.state()["rejections"]


def test_the_hello_names_this_process_and_the_server_gets_descriptors_and_exact_figures(server, programs) -> None:
    program = Program.driver(server.endpoint, CACHELENS_APP="shop")
    programs.append(program)
    program.ask(do="register", id=F, options={"ttl": 300, "max": 100})
    program.ask(do="set", id=F, figures={"hits": 41, "misses": 3, "entries": 3, "computeMs": 612.5})
    row = wait_until(lambda: (r := server.function(F)) and r["hits"] == 41 and r, what="the figures on the server")
    assert (row["misses"], row["entries"], row["computeMs"]) == (3, 3, 612.5)
    assert (row["backend"], row["backendType"], row["location"]) == ("memory", "memory", {"file": "app/fake.py", "line": 1})
    hello = next(m for m in server.state()["log"] if m.get("type") == "hello")
    assert hello["instance"] == program.ready["instance"]
    assert hello["pid"] == program.proc.pid
    assert (hello["app"], hello["runtime"], hello["hostname"]) == ("shop", "cachelens-py", socket.gethostname())
    assert isinstance(hello["startedAt"], int) and hello["startedAt"] > 1_600_000_000_000
    functions = [m for m in server.state()["log"] if m.get("type") == "functions"]
    assert functions[0]["functions"][0]["options"] == {"ttl": 300, "max": 100}
    no_drops(server)


def test_only_the_functions_whose_figures_changed_are_sent(server, programs) -> None:
    program = Program.driver(server.endpoint)
    programs.append(program)
    program.ask(do="register", id=F)
    program.ask(do="register", id=G)
    wait_until(lambda: server.function(G), what="both functions")
    program.ask(do="set", id=F, figures={"hits": 1})
    wait_until(lambda: (r := server.function(F)) and r["hits"] == 1, what="the change")
    program.ask(do="set", id=G, figures={"misses": 2})
    wait_until(lambda: (r := server.function(G)) and r["misses"] == 2, what="the second change")
    assert [e["hits"] for e in stats_entries(server, F)] == [0, 1]
    assert [e["misses"] for e in stats_entries(server, G)] == [0, 2]


def test_a_process_started_by_its_first_registration_reports_it(server, programs) -> None:
    program = Program.driver(server.endpoint, DRIVER_START="0", CACHELENS_INTERVAL_MS="50")
    programs.append(program)
    assert program.ready["state"] is None  # nothing before a registration
    program.ask(do="register", id=F)
    program.ask(do="set", id=F, figures={"hits": 5})
    wait_until(lambda: (r := server.function(F)) and r["hits"] == 5, what="the figures")


def test_many_functions_are_split_into_messages_of_at_most_500(server, programs) -> None:
    program = Program(
        "import json, sys\n"
        "from cachelens import registry, reporter\n"
        "from reporter_support import FakeReported\n"
        "reporter.start(interval_ms=50)\n"
        "for i in range(1200): registry.register(FakeReported(f'app/m.py#f{i}'))\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n",
        {"CACHELENS_ENDPOINT": server.endpoint},
    )
    programs.append(program)
    program.line()
    wait_until(lambda: len(server.state()["functions"]) == 1200, what="1200 functions")
    log = server.state()["log"]
    assert [len(m["ids"]) for m in log if m.get("type") == "functions"] == [500, 500, 200]
    wait_until(lambda: sum(len(m["entries"]) for m in server.state()["log"] if m.get("type") == "stats") == 1200)
    assert [len(m["entries"]) for m in server.state()["log"] if m.get("type") == "stats"] == [500, 500, 200]
    no_drops(server)


def test_long_ids_are_split_by_bytes_and_long_names_are_cut_to_4096_code_points(server, programs) -> None:
    program = Program(
        "import sys\n"
        "from cachelens import registry, reporter\n"
        "from reporter_support import FakeReported\n"
        "reporter.start(interval_ms=50, app='\\U0001F600' * 5000)\n"
        "for i in range(300): registry.register(FakeReported(f'{i:04d}' + '\\u00e9' * 4092, options={'note': 'x' * 9000}))\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n",
        {"CACHELENS_ENDPOINT": server.endpoint},
    )
    programs.append(program)
    program.line()
    wait_until(lambda: sum(len(m["entries"]) for m in server.state()["log"] if m.get("type") == "stats") >= 300, 30, "300 stats")
    state = server.state()
    functions = [m for m in state["log"] if m.get("type") == "functions"]
    # 300 entries of ~26 KiB (ids of 8 KiB of UTF-8, options of 9 KiB cut to 4 KiB): over 1 MiB, so split by bytes.
    assert len(functions) > 1 and sum(len(m["ids"]) for m in functions) == 300
    assert all(len(json.dumps(m["functions"], ensure_ascii=False).encode()) < 1024 * 1024 for m in functions)
    assert functions[0]["functions"][0]["options"]["note"] == "x" * 4096
    assert state["processes"][0]["app"] == "\U0001F600" * 4096
    assert sum(state["rejections"].values()) == 0, state["rejections"]


def test_pause_stops_stats_but_not_descriptors_and_resume_sends_what_changed_at_once(server, programs) -> None:
    program = Program.driver(server.endpoint)
    programs.append(program)
    instance = program.ready["instance"]
    program.ask(do="register", id=F)
    wait_until(lambda: server.function(F), what="the function")
    assert server.request("send", key=instance, message={"v": 1, "type": "pause"})["sent"]
    wait_until(lambda: program.ask(do="state")["paused"], what="the pause")
    program.ask(do="set", id=F, figures={"hits": 9})
    program.ask(do="register", id=G)
    # G announced proves a batch ran after the change; F's new figures were not in it.
    wait_until(lambda: server.function(G), what="the function registered while paused")
    assert all(e["hits"] == 0 for e in stats_entries(server, F))
    assert stats_entries(server, G) == []
    server.request("send", key=instance, message={"v": 1, "type": "resume"})
    wait_until(lambda: (r := server.function(F)) and r["hits"] == 9, what="the figures after resume")
    assert len(stats_entries(server, G)) == 1


def test_commands_clear_delete_and_trace_are_answered_and_invalid_ones_ignored(server, programs) -> None:
    program = Program.driver(server.endpoint)
    programs.append(program)
    instance = program.ready["instance"]
    program.ask(do="register", id=F, options={"max": 100})
    program.ask(do="register", id=G)
    wait_until(lambda: server.function(G), what="the functions")
    for invalid in (
        {"v": 1, "type": "clear"},  # no requestId
        {"v": 2, "type": "clear", "requestId": "r1"},
        {"v": True, "type": "clear", "requestId": "r2"},
        {"v": 1, "type": "clear", "requestId": "r3", "id": ""},
        {"v": 1, "type": "clear", "requestId": "r4", "id": None},
        {"v": 1, "type": "clear", "requestId": "x" * 4097},
        {"v": 1, "type": "delete-key", "requestId": "r5", "id": F},  # no key
        {"v": 1, "type": "wipe", "requestId": "r6"},
    ):
        assert server.request("send", key=instance, message=invalid)["sent"]
    answer = server.request("clear", key=instance, id=F)
    assert (answer["type"], answer["ok"]) == ("result", True)
    assert program.ask(do="state")["cleared"] == {F: 1, G: 0}  # the valid clear only
    everything = server.request("clear", key=instance)
    assert everything["ok"] is True and program.ask(do="state")["cleared"] == {F: 2, G: 1}
    unknown = server.request("clear", key=instance, id="app/none.py#f")
    assert unknown["ok"] is False and "app/none.py#f" in unknown["error"]
    deleted = server.request("delete-key", key=instance, id=F, cacheKey="('eu',)")
    assert deleted["ok"] is True and program.ask(do="state")["deleted"][F] == ["('eu',)"]
    trace = server.request("trace", key=instance, id=F)
    assert {k: trace[k] for k in ("type", "id", "recording", "count", "hashes", "max", "sampleRate")} == {
        "type": "trace", "id": F, "recording": False, "count": 0, "hashes": "", "max": 100, "sampleRate": 1}
    assert server.request("trace", key=instance, id="app/none.py#f")["ok"] is False
    no_drops(server)


def test_after_a_server_restart_the_process_reconnects_with_the_same_instance_and_full_figures(server, programs) -> None:
    program = Program.driver(server.endpoint)
    programs.append(program)
    program.ask(do="register", id=F)
    program.ask(do="set", id=F, figures={"hits": 4, "misses": 2})
    wait_until(lambda: (r := server.function(F)) and r["hits"] == 4, what="the figures")
    assert server.request("restart") == {"restarted": True}
    rows = wait_until(lambda: [p for p in server.processes() if p["connected"]], 20, "the reconnection")
    assert [p["key"] for p in rows] == [program.ready["instance"]]
    row = wait_until(lambda: server.function(F), what="the figures after the restart")
    assert (row["hits"], row["misses"]) == (4, 2)


class RawServer:
    """A TCP server on 127.0.0.1 that runs `handle(conn)` for each connection and counts them."""

    def __init__(self, handle) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.handle = handle
        self.kept: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            self.kept.append(conn)
            self.handle(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.kept:
            conn.close()


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize("status", [403, 404, 426])
def test_a_refusal_that_no_retry_can_pass_stops_the_reporter_with_one_warning(status, programs) -> None:
    def refuse(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(f"HTTP/1.1 {status} No\r\nConnection: close\r\nContent-Length: 0\r\n\r\n".encode())
        conn.close()

    raw = RawServer(refuse)
    try:
        program = Program.driver(f"ws://127.0.0.1:{raw.port}/?token=t")
        programs.append(program)
        program.ask(do="register", id=F)
        wait_until(lambda: program.ask(do="state")["state"] == "refused", what="the refusal")
        assert raw.connections == 1
        assert program.ask(do="exit")["state"] == "refused"
        assert program.wait() == 0
        warnings = [line for line in program.proc.stderr.read().splitlines() if "refused" in line]
        assert len(warnings) == 1 and f"HTTP {status}" in warnings[0], warnings
    finally:
        raw.close()


def test_a_wrong_token_401_is_retried_with_backoff(programs) -> None:
    def refuse(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        conn.close()

    raw = RawServer(refuse)
    try:
        program = Program.driver(f"ws://127.0.0.1:{raw.port}/?token=t")
        programs.append(program)
        program.ask(do="register", id=F)
        wait_until(lambda: raw.connections >= 3, what="three attempts")
        assert program.ask(do="state")["state"] in ("waiting", "connecting")
    finally:
        raw.close()


def accept_websocket_and_never_read(conn: socket.socket) -> None:
    request = read_request(conn).decode("latin-1")
    key = next(line.split(":", 1)[1].strip() for line in request.split("\r\n") if line.lower().startswith("sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)


def test_a_peer_that_stops_reading_never_keeps_the_process_alive(programs) -> None:
    raw = RawServer(accept_websocket_and_never_read)
    try:
        # 2000 functions whose figures change every batch (~600 KiB a batch) fill the socket's
        # buffers; the work done, the program returns from main and must exit, its reporter
        # connected again to the peer that does not read (or waiting to).
        program = Program(
            "import itertools\n"
            "from cachelens import registry, reporter\n"
            "from reporter_support import FakeReported\n"
            "class Busy(FakeReported):\n"
            "    def snapshot(self):\n"
            "        self.figures['hits'] += 1\n"
            "        return super().snapshot()\n"
            "r = reporter.start(interval_ms=20)\n"
            "for i in range(2000): registry.register(Busy(f'app/busy.py#f{i}', options={'pad': 'p' * 40}))\n"
            "assert r.wait_open(10)\n"
            "import time; deadline = time.monotonic() + 15\n"
            "while time.monotonic() < deadline and r.attempt == 0: time.sleep(0.02)\n"
            "print('dropped' if r.attempt else 'not dropped', flush=True)\n",
            {"CACHELENS_ENDPOINT": f"ws://127.0.0.1:{raw.port}/?token=t"},
        )
        programs.append(program)
        assert program.line(30) == "dropped"  # the stalled connection was dropped (docs/protocol.md 5.2)
        assert program.wait(10) == 0
    finally:
        raw.close()


def test_the_last_figures_are_sent_at_exit(server, programs) -> None:
    program = Program.driver(server.endpoint, DRIVER_INTERVAL_MS="600000")  # no batch but the first and the last
    programs.append(program)
    program.ask(do="register", id=F)
    program.ask(do="set", id=F, figures={"hits": 7})
    program.ask(do="exit")  # connected or still connecting: the exit waits (at most 1 s) and sends
    assert program.wait(10) == 0
    wait_until(lambda: (r := server.function(F)) and r["hits"] == 7, what="the last figures")
    wait_until(lambda: not server.processes()[0]["connected"], what="the polite close")


def test_a_fork_child_reports_as_its_own_stream_of_the_same_instance(server, programs) -> None:
    program = Program.driver(server.endpoint)
    programs.append(program)
    program.ask(do="register", id=F)
    program.ask(do="set", id=F, figures={"hits": 2, "misses": 1})
    wait_until(lambda: (r := server.function(F)) and r["hits"] == 2, what="the parent's figures")
    forked = program.ask(do="fork", figures={F: {"hits": 3, "misses": 5}})
    assert forked["status"] == 0
    row = wait_until(lambda: (r := server.function(F)) and r["hits"] == 5 and r, what="the sum of both streams")
    assert row["misses"] == 6
    hellos = [m for m in server.state()["log"] if m.get("type") == "hello"]
    assert {h["instance"] for h in hellos} == {program.ready["instance"]}
    assert {h["pid"] for h in hellos} == {program.proc.pid, forked["child"]}
    # The parent goes on reporting over its own connection.
    program.ask(do="set", id=F, figures={"hits": 10})
    wait_until(lambda: (r := server.function(F)) and r["hits"] == 13, what="the parent after the fork")
    no_drops(server)


def test_no_endpoint_means_no_thread_no_socket_and_no_websockets_import() -> None:
    program = Program(
        "import sys, threading\n"
        "from cachelens import registry\n"
        "from reporter_support import FakeReported\n"
        "before = threading.active_count()\n"
        "registry.register(FakeReported('app/x.py#f'))\n"
        "print(threading.active_count() - before, 'websockets' in sys.modules, 'cachelens.reporter' in sys.modules, 'asyncio' in sys.modules, flush=True)\n",
        {"CACHELENS_ENDPOINT": None},
    )
    try:
        assert program.line() == "0 False False False"
        assert program.wait() == 0
    finally:
        program.kill()


def test_a_multiprocessing_fork_child_reports_its_own_figures_before_it_exits(server, programs) -> None:
    program = Program(
        "import multiprocessing, os, sys\n"
        "from cachelens import registry, reporter\n"
        "from reporter_support import FakeReported\n"
        "r = reporter.start(interval_ms=60000)  # no batch but the first and the last: the child's exit sends its figures\n"
        "fake = FakeReported('app/mp.py#f')\n"
        "registry.register(fake)\n"
        "fake.figures['hits'] = 2\n"
        "def work(): fake.figures['hits'] = 3; print(os.getpid(), flush=True)\n"
        "child = multiprocessing.get_context('fork').Process(target=work)\n"
        "child.start(); child.join(30)\n"
        "print(child.exitcode, r.instance, flush=True)\n"
        "sys.stdin.read()\n",
        {"CACHELENS_ENDPOINT": server.endpoint},
    )
    programs.append(program)
    child_pid = int(program.line())
    exitcode, instance = program.line().split()
    assert exitcode == "0"
    wait_until(lambda: (r := server.function("app/mp.py#f")) and r["hits"] == 5, what="the parent's 2 and the child's 3")
    hello_pids = {m["pid"] for m in server.state()["log"] if m.get("type") == "hello" and m["instance"] == instance}
    assert child_pid in hello_pids


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


WSGI_APP = '''
import os
from cachelens import registry
from reporter_support import FakeReported

counter = FakeReported("app/wsgi.py#view")
registry.register(counter)


def app(environ, start_response):
    counter.figures["hits"] += 1
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
'''


@pytest.mark.parametrize("preload", [False, True], ids=["workers-import-the-app", "preload"])
def test_gunicorn_workers_report_as_their_own_streams_and_their_counts_add_up(server, preload, tmp_path) -> None:
    import os
    import subprocess
    import sys
    import urllib.request

    from reporter_support import ROOT, TESTS

    (tmp_path / "wsgi_app.py").write_text(WSGI_APP)
    port = free_port()
    env = {**os.environ, "CACHELENS_ENDPOINT": server.endpoint, "CACHELENS_INTERVAL_MS": "50",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "python/src"), str(TESTS)])}
    args = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--graceful-timeout", "5"]
    arbiter = subprocess.Popen(args + (["--preload"] if preload else []) + ["wsgi_app:app"], env=env, cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def get() -> int | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    return int(response.read())
            except OSError:
                return None

        wait_until(get, 30, "gunicorn to answer")
        worker_pids = {get() for _ in range(29)}
        wait_until(lambda: (r := server.function("app/wsgi.py#view")) and r["hits"] == 30, 20, "30 hits in total")
        hellos = [m for m in server.state()["log"] if m.get("type") == "hello"]
        assert worker_pids <= {h["pid"] for h in hellos}  # each worker is a stream with its own pid
        instances = {h["instance"] for h in hellos}
        if preload:
            assert len(instances) == 1  # forked from the arbiter that started the reporter: one process, several streams
            assert arbiter.pid in {h["pid"] for h in hellos}
        else:
            assert len(instances) == len({h["pid"] for h in hellos})  # each worker started its own run
    finally:
        arbiter.terminate()
        arbiter.wait(20)
    row = wait_until(lambda: (r := server.function("app/wsgi.py#view")) and r, what="the row")
    assert row["hits"] == 30


def test_a_verified_function_reaches_the_server_with_its_verify_figures(server, programs) -> None:
    program = Program(
        "import time\n"
        "from cachelens import cache_of, memoize, reporter\n"
        "n = [0]\n"
        "@memoize(verify=1, id='app/prices.py#verified')\n"
        "def f(x):\n"
        "    n[0] += 1\n"
        "    return {'items': [{'price': n[0]}]}\n"
        "f(1); f(1)\n"
        "deadline = time.monotonic() + 10\n"
        "while cache_of(f).stats()['verify']['checked'] < 1 and time.monotonic() < deadline: time.sleep(0.01)\n"
        "r = reporter.start(interval_ms=50)\n"
        "assert r.wait_open(10)\n"
        "print('sent', flush=True)\n"
        "import sys; sys.stdin.readline()\n",
        {"CACHELENS_ENDPOINT": server.endpoint},
    )
    programs.append(program)
    assert program.line(30) == "sent"
    # The figures, not their first appearance: with CACHELENS_ENDPOINT set the reporter starts at
    # the decoration, so a report taken between the hit and its check carries zeros first.
    row = wait_until(
        lambda: (r := server.function("app/prices.py#verified")) and (r.get("verify") or {}).get("checked", 0) >= 1 and r,
        what="a verify check on the server",
    )
    assert row["verify"] == {
        "checked": 1, "differed": 1, "failed": 0, "mutated": 0,
        "diff": {"paths": [{"path": "value['items'][0]['price']", "cached": "int", "fresh": "int"}], "values": False},
    }
    no_drops(server)
    program.say("")
    assert program.wait(10) == 0
