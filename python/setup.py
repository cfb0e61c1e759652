"""The optional C hit path (`cachelens._speedups`). Everything else is in pyproject.toml.

`optional=True`: without a C compiler or Python's headers (Debian: python3-dev) the build goes on
without it and `memoize` uses its pure-Python hit path, which behaves the same (tests run both)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("cachelens._speedups", ["src/cachelens/_speedups.c"], optional=True)])
