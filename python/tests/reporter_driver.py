"""A program for the reporter's tests: starts the reporter (interval 50 ms, short backoff) and
obeys JSON lines on stdin, answering each with one JSON line on stdout:

    {"do": "register", "id": ID, "options": {...}?}    a FakeReported (reporter_support.py)
    {"do": "set", "id": ID, "figures": {...}}           its figures
    {"do": "state"}                                     the reporter's state and the fakes'
    {"do": "fork", "figures": {ID: {...}}}              a child that reports its own figures,
                                                        stops politely and exits; answers its pid
    {"do": "exit"}                                      exits normally (atexit runs)

Settings from the environment: DRIVER_INTERVAL_MS (default 50), DRIVER_START ("0": leave the
start to the first registration, as an application does)."""

from __future__ import annotations

import json
import os
import sys

from cachelens import registry, reporter
from reporter_support import FakeReported

__all__: list[str] = []

fakes: dict[str, FakeReported] = {}


def state() -> dict[str, object]:
    r = reporter.current()
    return {
        "state": r.state if r else None, "paused": r.paused if r else None, "instance": r.instance if r else None,
        "pid": os.getpid(), "cleared": {k: f.cleared for k, f in fakes.items()}, "deleted": {k: f.deleted for k, f in fakes.items()},
    }


def main() -> None:
    if os.environ.get("DRIVER_START") != "0":
        reporter.start(interval_ms=float(os.environ.get("DRIVER_INTERVAL_MS", "50")), backoff_initial_ms=20, backoff_max_ms=200)
    print(json.dumps({"ready": True, **state()}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        do = command["do"]
        if do == "register":
            fake = FakeReported(command["id"], options=command.get("options"))
            fakes[fake.id] = fake
            registry.register(fake)
        elif do == "set":
            fakes[command["id"]].figures.update(command["figures"])
        elif do == "fork":
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    for fid, figures in command["figures"].items():
                        fakes[fid].figures = dict(figures)  # a child starts its own counters
                    r = reporter.current()
                    if r is not None and r.wait_open(10):
                        r.close(2.0)
                        code = 0
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            print(json.dumps({"child": pid, "status": status, **state()}), flush=True)
            continue
        elif do == "exit":
            print(json.dumps(state()), flush=True)
            return
        print(json.dumps(state()), flush=True)


if __name__ == "__main__":
    main()
