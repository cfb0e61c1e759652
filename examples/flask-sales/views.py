"""The dashboard: a page whose widgets ask for the same aggregates again and again.

This is what a Dash app does: every callback (here, every widget's request) recomputes an
aggregate from its inputs, and the same inputs come back constantly (every user opening the page,
every refresh). `@cache.memoize(timeout=...)` keys each aggregate by its arguments; the CacheLens
panel shows, per function, how often that pays off.
"""

from __future__ import annotations

import os
from collections import defaultdict

from flask import Blueprint, jsonify, request

from data import PRODUCTS, REGIONS, YEARS, load_sales
from extensions import cache

__all__ = ["dashboard", "sales_by_region", "monthly_totals", "top_products"]

dashboard = Blueprint("dashboard", __name__)


@cache.memoize(timeout=120)
def sales_by_region(year: int, product: str) -> dict[str, float]:
    """Total sales of `product` in `year`, per region (euros)."""
    totals: dict[str, float] = defaultdict(float)
    for sale in load_sales(year):
        if sale.product == product:
            totals[sale.region] += sale.amount
    return {region: round(totals[region], 2) for region in REGIONS}


@cache.memoize(timeout=120)
def monthly_totals(year: int, region: str) -> list[float]:
    """Sales of `region` in `year`, per month 1..12 (euros)."""
    months = [0.0] * 12
    for sale in load_sales(year):
        if sale.region == region:
            months[sale.month - 1] += sale.amount
    return [round(m, 2) for m in months]


def _args() -> tuple[int, str, str]:
    year = request.args.get("year", "2024")
    if not year.isdigit() or int(year) not in YEARS:
        year = "2024"
    product = request.args.get("product", PRODUCTS[0])
    region = request.args.get("region", REGIONS[0])
    return int(year), product if product in PRODUCTS else PRODUCTS[0], region if region in REGIONS else REGIONS[0]


@dashboard.get("/api/by-region")
def by_region():  # type: ignore[no-untyped-def]
    year, product, _ = _args()
    return jsonify(year=year, product=product, totals=sales_by_region(year, product), worker=os.getpid())


@dashboard.get("/api/monthly")
def monthly():  # type: ignore[no-untyped-def]
    year, _, region = _args()
    return jsonify(year=year, region=region, months=monthly_totals(year, region), worker=os.getpid())


@dashboard.get("/api/top-products")
@cache.cached(timeout=60, query_string=True)
def top_products():  # type: ignore[no-untyped-def]
    """The products of a year, best first (the whole response is cached, per query string)."""
    year, _, _ = _args()
    totals: dict[str, float] = defaultdict(float)
    for sale in load_sales(year):
        totals[sale.product] += sale.amount
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return jsonify(year=year, products=[{"product": p, "total": round(t, 2)} for p, t in ranked])


PAGE = """<!doctype html>
<title>Sales dashboard</title>
<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:1em}</style>
<h1>Sales dashboard</h1>
<label>Year <select id=year>%(years)s</select></label>
<label>Product <select id=product>%(products)s</select></label>
<label>Region <select id=region>%(regions)s</select></label>
<h2>By region</h2><pre id=by-region></pre>
<h2>Monthly</h2><pre id=monthly></pre>
<h2>Top products</h2><pre id=top></pre>
<script>
const q = () => new URLSearchParams({year: year.value, product: product.value, region: region.value});
async function show(id, path) {
  const r = await fetch(path + "?" + q());
  document.getElementById(id).textContent = JSON.stringify(await r.json(), null, 1);
}
function refresh() {
  show("by-region", "/api/by-region"); show("monthly", "/api/monthly"); show("top", "/api/top-products");
}
for (const s of [year, product, region]) s.onchange = refresh;
refresh(); setInterval(refresh, 5000);
</script>
"""


@dashboard.get("/")
def page():  # type: ignore[no-untyped-def]
    def options(values: tuple[object, ...]) -> str:
        return "".join(f"<option>{v}</option>" for v in values)

    return PAGE % {"years": options(YEARS), "products": options(PRODUCTS), "regions": options(REGIONS)}
