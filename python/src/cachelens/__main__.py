"""`python -m cachelens run app.py [args...]`: runs an unmodified app with its caches watched.

The script runs as `__main__`, as `python app.py [args...]` would run it, after the import hook of
`cachelens.watch` is installed: the `functools.lru_cache`/`functools.cache` (and
`cachetools.cached`) functions of the app's own files (under its app root) are reported as they
are defined. With `CACHELENS_ENDPOINT` set (VS Code's terminals set it) they appear in the panel.
"""

from __future__ import annotations

import sys
from pathlib import Path

__all__ = ["main"]

USAGE = """usage: python -m cachelens run SCRIPT [ARGS...]

Runs SCRIPT (a Python file) like `python SCRIPT ARGS...`, reporting the functools.lru_cache /
functools.cache and cachetools.cached functions of the app's own modules to the CacheLens panel
(when CACHELENS_ENDPOINT is set). The app's modules are the files under its app root: the nearest
folder above SCRIPT with pyproject.toml, requirements.txt, setup.cfg or cachelens.config.json.
"""


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status (2 for a usage error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE, end="", file=sys.stdout if args else sys.stderr)
        return 0 if args else 2
    if args[0] != "run":
        print(f"cachelens: unknown command {args[0]!r}; the command is `run`.\n\n{USAGE}", end="", file=sys.stderr)
        return 2
    if len(args) < 2:
        print(f"cachelens run: give the script to run, e.g. `python -m cachelens run app.py`.\n\n{USAGE}", end="", file=sys.stderr)
        return 2
    script = Path(args[1])
    if not script.is_file():
        print(f"cachelens run: {args[1]}: no such file. Give the path of the app's Python script "
              "(for a package, its __main__.py or the file that starts it).", file=sys.stderr)
        return 2
    from .watch._hook import install, run_script
    from .watch._source import app_root

    script = script.resolve()
    root = app_root(script)
    install(root)
    run_script(script, args[2:], root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
