"""The sales data: a deterministic synthetic ledger (no files, no database).

`load_sales(year)` is the kind of function apps cache with a plain `functools.lru_cache`: it builds
a year's rows once per process. `python -m cachelens run` and `gunicorn -c python:cachelens.gunicorn`
report it without any change to this file.
"""

from __future__ import annotations

import functools
import random
from typing import NamedTuple

__all__ = ["Sale", "REGIONS", "PRODUCTS", "YEARS", "load_sales"]

REGIONS = ("north", "south", "east", "west")
PRODUCTS = ("widgets", "gadgets", "gizmos", "doohickeys")
YEARS = (2022, 2023, 2024)


class Sale(NamedTuple):
    """One sale: month 1-12, region, product, amount in euros."""

    month: int
    region: str
    product: str
    amount: float


@functools.lru_cache(maxsize=8)
def load_sales(year: int) -> tuple[Sale, ...]:
    """Every sale of `year` (20 000 rows, the same on every call and in every process)."""
    rng = random.Random(year)
    return tuple(
        Sale(rng.randint(1, 12), rng.choice(REGIONS), rng.choice(PRODUCTS), round(rng.uniform(5, 500), 2))
        for _ in range(20_000)
    )
