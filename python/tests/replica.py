"""Another process of the app, for the replicas tests: it opens one store from the config entry
given as JSON in argv[1] and answers one JSON command per line on stdin:
{"op": "get"|"set"|"delete"|"clear"|"entries"|"health"|"listening", "key": ..., "value": ..., "ttl": ...}.
Answers are one JSON line: {"value": ..., "miss": bool}."""

from __future__ import annotations

import importlib
import json
import sys
import time

from cachelens.stores.base import MISS, StoreContext


class Events:
    def __init__(self) -> None:
        self.errors = 0

    def evicted(self, cause: str, count: int = 1) -> None:
        pass

    def backend_error(self, error: BaseException) -> None:
        self.errors += 1


def main() -> None:
    entry = json.loads(sys.argv[1])
    namespace = sys.argv[2]
    events = Events()
    module = importlib.import_module(f"cachelens.stores.{entry['type']}")
    store = module.create(entry, StoreContext(namespace, lambda: time.monotonic() * 1000, events))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        if op == "get":
            value = store.get(command["key"])
            answer = {"miss": value is MISS, "value": None if value is MISS else value}
        elif op == "set":
            store.set(command["key"], command["value"], command.get("ttl"))
            answer = {"value": None}
        elif op == "delete":
            answer = {"value": store.delete(command["key"])}
        elif op == "clear":
            answer = {"value": store.clear()}
        elif op == "entries":
            answer = {"value": store.entries()}
        elif op == "listening":
            answer = {"value": bool(getattr(store, "listening", True))}
        elif op == "errors":
            answer = {"value": events.errors}
        else:
            answer = {"value": store.health()}
        print(json.dumps(answer), flush=True)
    store.close()


if __name__ == "__main__":
    main()
