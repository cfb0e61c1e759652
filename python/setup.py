"""The optional C hit path (`cachelens._speedups`). Everything else is in pyproject.toml.

`optional=True`: without a C compiler or Python's headers (Debian: python3-dev) the build goes on
without it and `memoize` uses its pure-Python hit path, which behaves the same (tests run both)."""

import os

from setuptools import Extension, setup

# CACHELENS_PURE_PYTHON=1 builds without it: the wheel the extension ships and vendors into apps
# (cachelens-<version>-py3-none-any.whl) must install on any platform and Python version.
pure = os.environ.get("CACHELENS_PURE_PYTHON") == "1"
setup(ext_modules=[] if pure else [Extension("cachelens._speedups", ["src/cachelens/_speedups.c"], optional=True)])
