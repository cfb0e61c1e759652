"""The package itself: importing it starts nothing, and its public names are declared."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_import_has_no_side_effect() -> None:
    """`import cachelens` starts no thread and opens no socket, even with an endpoint set."""
    code = textwrap.dedent(
        """
        import os, threading, sys
        os.environ["CACHELENS_ENDPOINT"] = "ws://127.0.0.1:9/?token=x"
        before = threading.active_count()
        import cachelens
        assert threading.active_count() == before, "a thread was started at import"
        assert "cachelens.reporter" not in sys.modules
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"

