"""Test support only: put on PYTHONPATH by the watch tests, it writes this process's registry
(descriptor and snapshot of every row) to $CACHELENS_TEST_DUMP/<pid>.json at exit, so a test can
read what an unmodified app started by `python -m cachelens run` or gunicorn would report."""

import atexit
import json
import os
import sys


def _dump() -> None:
    folder = os.environ.get("CACHELENS_TEST_DUMP")
    if not folder or "cachelens.registry" not in sys.modules:
        return
    from cachelens import registry

    rows = {s.id: {"descriptor": s.descriptor(), "snapshot": s.snapshot()} for s in registry.sources()}
    with open(os.path.join(folder, f"{os.getpid()}.json"), "w", encoding="utf-8") as out:
        json.dump(rows, out)


atexit.register(_dump)

__all__: list[str] = []
