"""The reporter: streams the registry's caches to the editor over the live protocol
(docs/protocol.md), on a daemon thread of its own, only when CACHELENS_ENDPOINT is set.

The registry calls `ensure_started()` at each registration; with no endpoint that is one
environment lookup and nothing else (no thread, no socket, no import of websockets). A program
that wants other settings (a test, the conformance adapter) calls `start(...)` first.

    from cachelens import reporter
    r = reporter.start(interval_ms=50)   # None without an endpoint
    ...
    reporter.stop()                      # a last batch within ~1 s, a polite close

One idea per module: messages.py (what is sent), commands.py (what is received and how it is
validated), batching.py (splitting by count and bytes), backoff.py (when to retry),
identity.py (the hello), connection.py (the conversation), lifecycle.py (thread, exit, fork).
"""

from __future__ import annotations

from .lifecycle import ENDPOINT_ENV, INTERVAL_ENV, Reporter, current, ensure_started, start, stop

__all__ = ["Reporter", "start", "ensure_started", "current", "stop", "ENDPOINT_ENV", "INTERVAL_ENV"]
