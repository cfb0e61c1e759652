"""A small Flask shop: a page cached by Flask-Caching, a plain slow function, and a function
cached by functools.lru_cache. The end-to-end test caches `price_of` with CacheLens and watches
`tax_rate`'s lru_cache; run it with `python3 -m flask --app app run --port 5000`."""

from __future__ import annotations

import time
from functools import lru_cache

from flask import Flask, jsonify
from flask_caching import Cache

__all__ = ["app", "cache", "price_of", "tax_rate"]

app = Flask(__name__)
cache = Cache(app, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 60})

PRICES = {"apple": 120, "pear": 95, "plum": 40}


def price_of(sku: str) -> int:
    """The price of `sku` in cents, from a slow catalogue (about 50 ms a call)."""
    time.sleep(0.05)
    return PRICES.get(sku, 0)


@lru_cache(maxsize=32)
def tax_rate(region: str) -> float:
    """The sales tax of `region` (a fraction), from a slow lookup (about 20 ms a call)."""
    time.sleep(0.02)
    return {"north": 0.2, "south": 0.1}.get(region, 0.0)


@app.route("/catalog")
@cache.cached(timeout=60)
def catalog():
    """Every product and its price: the page Flask-Caching caches for a minute."""
    return jsonify({sku: price_of(sku) for sku in PRICES})


@app.route("/price/<sku>")
def price(sku: str):
    """The price of one product."""
    return jsonify({"sku": sku, "cents": price_of(sku)})


@app.route("/tax/<region>")
def tax(region: str):
    """The tax rate of a region."""
    return jsonify({"region": region, "rate": tax_rate(region)})


@app.route("/health")
def health():
    """Answers once the app is up (calls nothing cached)."""
    return "ok"
