"""The package installs with no package index into a venv of Debian's Python, as the issue
requires: `pip install --no-index --no-build-isolation ./python`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(not Path(SYSTEM_PYTHON).exists(), reason="needs Debian's /usr/bin/python3")
def test_pip_installs_the_package_into_a_fresh_venv_without_an_index(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    made = subprocess.run(
        [SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", str(venv)], capture_output=True, text=True, timeout=120
    )
    assert made.returncode == 0, made.stderr
    # a copy of python/ without build leftovers: the install must not write into the checkout
    source = tmp_path / "src-copy"
    shutil.copytree(PYTHON_DIR, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"))
    python = venv / "bin" / "python"
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-index", "--no-build-isolation", str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    code = (
        "import cachelens, os\n"
        "assert os.path.dirname(cachelens.__file__).startswith(os.environ['VENV']), cachelens.__file__\n"
        "@cachelens.memoize(ttl='5m')\n"
        "def f(x):\n"
        "    return x * 2\n"
        "assert f(21) == 42 and f(21) == 42\n"
        "s = cachelens.cache_of(f).stats()\n"
        "assert (s['hits'], s['misses']) == (1, 1), s\n"
        "from cachelens import call_path\n"
        "print('ok', call_path._c_hit_path() is not None)\n"
    )
    ran = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=120, env={**env, "VENV": str(venv)}, cwd=tmp_path
    )
    assert ran.returncode == 0, ran.stderr
    word, c_built = ran.stdout.split()
    assert word == "ok"
    # the C hit path is optional; where a compiler and Python's headers are present it is built
    can_build = shutil.which("cc") is not None and Path(sysconfig.get_paths()["include"], "Python.h").exists()
    assert c_built == str(can_build), installed.stdout + installed.stderr
    assert sys.version_info >= (3, 11)
