"""watch_all() over an app's imported modules, and `python -m cachelens run` on an unmodified app."""

from __future__ import annotations

import functools
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from watch_support import child_env, new_rows, read_dumps


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    yield from new_rows()


def write_app(root: Path) -> None:
    """A small app: a package with lru_cache/cache functions and methods, a vendored library
    under .venv (not the app's), and a script that uses them."""
    (root / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    (root / "shop").mkdir()
    (root / "shop" / "__init__.py").write_text("")
    (root / "shop" / "prices.py").write_text(textwrap.dedent(
        """
        import functools
        import cachetools

        @functools.lru_cache(maxsize=4)
        def price(item):
            return len(item)

        @functools.cache
        def vat(rate):
            return rate / 100

        @cachetools.cached(cachetools.LRUCache(maxsize=10))
        def stock(item):
            return 3

        class Catalog:
            @functools.lru_cache(maxsize=None)
            def name(self, code):
                return code.upper()

            @staticmethod
            @functools.lru_cache(maxsize=None)
            def currency(code):
                return code

        from functools import lru_cache as imported_not_defined_here
        """
    ))
    lib = root / ".venv" / "lib" / "python3.11" / "site-packages" / "vendored"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("import functools\n@functools.lru_cache\ndef helper(x):\n    return x\n")
    (root / "app.py").write_text(textwrap.dedent(
        """
        import functools
        import sys
        from shop.prices import price, vat, stock, Catalog

        @functools.lru_cache(maxsize=None)
        def fib(n):
            return n if n < 2 else fib(n - 1) + fib(n - 2)

        def main():
            print(fib(int(sys.argv[1])), price("apple"), price("apple"), price("kiwi"), vat(20), stock("x"), stock("x"))

        if __name__ == "__main__":
            main()
        """
    ))


def test_watch_all_watches_the_cached_functions_of_the_apps_modules_only(tmp_path: Path) -> None:
    write_app(tmp_path)
    code = textwrap.dedent(
        f"""
        import json, sys
        sys.path[:0] = [{str(tmp_path)!r}, {str(tmp_path / '.venv/lib/python3.11/site-packages')!r}]
        import shop.prices, vendored, cachelens
        from cachelens import registry
        ids = cachelens.watch_all({str(tmp_path)!r})
        assert cachelens.watch_all({str(tmp_path)!r}) == sorted(ids, key=ids.index)  # idempotent
        shop.prices.price("a"); shop.prices.price("a"); shop.prices.stock(1); shop.prices.stock(1)
        print(json.dumps({{i: [registry.find(i).snapshot()["hits"], registry.find(i).snapshot()["misses"],
                          registry.find(i).descriptor()["backendType"]] for i in ids}}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=child_env(tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    import json

    assert json.loads(out.stdout) == {
        "shop/prices.py#price": [1, 1, "lru_cache"],
        "shop/prices.py#vat": [0, 0, "lru_cache"],
        "shop/prices.py#stock": [1, 1, "cachetools.LRUCache"],
        "shop/prices.py#Catalog.name": [0, 0, "lru_cache"],
        "shop/prices.py#Catalog.currency": [0, 0, "lru_cache"],
    }


def test_watch_all_with_a_root_that_is_not_a_folder_is_a_clear_error(tmp_path: Path) -> None:
    import cachelens
    from cachelens.watch import WatchError

    with pytest.raises(WatchError, match="not a folder"):
        cachelens.watch_all(tmp_path / "missing")


def test_python_m_cachelens_run_reports_an_unmodified_lru_cache_app(tmp_path: Path) -> None:
    write_app(tmp_path)
    dump = tmp_path / "dump"
    dump.mkdir()
    out = subprocess.run([sys.executable, "-m", "cachelens", "run", "app.py", "10"], capture_output=True,
                         text=True, timeout=60, env=child_env(dump), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["55", "5", "5", "4", "0.2", "3", "3"]  # the app ran as with `python app.py 10`
    (rows,) = read_dumps(dump).values()
    figures = {i: (r["snapshot"]["hits"], r["snapshot"]["misses"]) for i, r in rows.items()}
    assert figures == {
        "app.py#fib": (8, 11),  # the script's own function, watched as it was defined
        "shop/prices.py#price": (1, 2),
        "shop/prices.py#vat": (0, 1),
        "shop/prices.py#stock": (1, 1),
        "shop/prices.py#Catalog.name": (0, 0),
        "shop/prices.py#Catalog.currency": (0, 0),
    }
    assert rows["app.py#fib"]["descriptor"]["location"] == {"file": "app.py", "line": 6}


def test_python_m_cachelens_run_gives_the_script_its_usual_main_module(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "tool.py").write_text(textwrap.dedent(
        """
        import dataclasses, pickle, sys
        @dataclasses.dataclass
        class Point:
            x: int
        assert __name__ == "__main__" and sys.modules["__main__"].Point is Point
        assert pickle.loads(pickle.dumps(Point(1))) == Point(1)
        print(sys.argv[1:], __file__.endswith("tool.py"))
        raise SystemExit(3)
        """
    ))
    out = subprocess.run([sys.executable, "-m", "cachelens", "run", "tool.py", "a", "--b"], capture_output=True,
                         text=True, timeout=60, env=child_env(tmp_path), cwd=tmp_path)
    assert out.stdout.strip() == "['a', '--b'] True"
    assert out.returncode == 3, out.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [([], "usage: python -m cachelens run SCRIPT"), (["serve"], "unknown command 'serve'"),
     (["run"], "give the script to run"), (["run", "nope.py"], "nope.py: no such file")],
)
def test_python_m_cachelens_bad_usage_is_a_clear_message(tmp_path: Path, args: list[str], message: str) -> None:
    out = subprocess.run([sys.executable, "-m", "cachelens", *args], capture_output=True, text=True, timeout=60,
                         env=child_env(tmp_path), cwd=tmp_path)
    assert out.returncode == 2
    assert message in out.stderr


def test_watch_all_without_root_under_a_console_script_uses_the_working_directorys_app(tmp_path: Path) -> None:
    """Under `gunicorn`/`flask run` the `__main__` file is the tool's, not the app's."""
    write_app(tmp_path)
    code = textwrap.dedent(
        """
        import sys, types
        main = types.ModuleType("__main__")
        main.__file__ = "/usr/lib/python3/dist-packages/gunicorn/__main__.py"
        sys.modules["__main__"] = main
        import shop.prices, cachelens
        print(sorted(cachelens.watch_all()))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=child_env(tmp_path, PYTHONPATH=f"{child_env(tmp_path)['PYTHONPATH']}:{tmp_path}"),
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "shop/prices.py#price" in out.stdout


def test_cachelens_watch_is_callable_whatever_was_imported_first(tmp_path: Path) -> None:
    """Importing a submodule makes `cachelens.watch` the module; it still watches."""
    code = textwrap.dedent(
        """
        import functools
        import cachelens.watch.lru_cache
        import cachelens
        from cachelens import registry

        @functools.lru_cache
        def f(x):
            return x

        assert cachelens.watch(f, id="app/f.py#f") is f
        f(1), f(1)
        print(registry.find("app/f.py#f").snapshot()["hits"])
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env=child_env(tmp_path), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"


def test_watch_all_leaves_cachelens_own_caches_alone_when_it_sits_under_the_app_root() -> None:
    import cachelens
    source = importlib.import_module("cachelens.watch._source")  # `cachelens.watch` may be the function here

    python_folder = Path(source.__file__).resolve().parents[3]  # python/: this repository's package root
    assert not [i for i in cachelens.watch_all(python_folder) if i.startswith("src/cachelens/")]


def test_watch_all_from_the_file_system_root_leaves_the_standard_library_alone() -> None:
    """An app started from `/` (a container's working directory) has every file under its root."""
    import fnmatch

    import cachelens

    assert isinstance(fnmatch._compile_pattern, functools._lru_cache_wrapper)  # type: ignore[attr-defined]
    assert [i for i in cachelens.watch_all("/") if "fnmatch" in i] == []
