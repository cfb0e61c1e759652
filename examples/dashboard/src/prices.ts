import { memoize } from 'cachelens';
import { salesRows, type Sale } from './data.js';

export interface PriceSummary {
  region: string;
  sales: number;
  revenue: number;
  medianUnitPrice: number;
  p90UnitPrice: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Price statistics of one region over the whole dataset: a full scan and a sort on every call. */
export function pricesByRegion(region: string): PriceSummary {
  const rows = salesRows().filter((sale) => sale.region === region);
  const prices = rows.map((sale) => sale.unitPrice).sort((a, b) => a - b);
  const revenue = rows.reduce((sum, sale) => sum + sale.unitPrice * sale.quantity, 0);
  return {
    region,
    sales: rows.length,
    revenue: Math.round(revenue * 100) / 100,
    medianUnitPrice: percentile(prices, 50),
    p90UnitPrice: percentile(prices, 90),
  };
}

export interface ProductRank {
  product: string;
  revenue: number;
  units: number;
}

/** The `n` best-selling products since a given day, by revenue. Cached: the dashboard asks for few distinct (n, day) pairs. */
export const topProducts = memoize((n: number, sinceDay: number): ProductRank[] => {
  const totals = new Map<string, ProductRank>();
  for (const sale of salesRows()) {
    if (sale.day < sinceDay) continue;
    const rank = totals.get(sale.product) ?? { product: sale.product, revenue: 0, units: 0 };
    rank.revenue += sale.unitPrice * sale.quantity;
    rank.units += sale.quantity;
    totals.set(sale.product, rank);
  }
  return [...totals.values()]
    .sort((a, b) => b.revenue - a.revenue || a.product.localeCompare(b.product))
    .slice(0, n)
    .map((rank) => ({ ...rank, revenue: Math.round(rank.revenue * 100) / 100 }));
}, { id: 'src/prices.ts#topProducts', backend: 'memory', ttl: '5m', max: 100 });

/** Daily revenue of one product as a moving average over `window` days. */
export function revenueTrend(product: string, window: number): number[] {
  const daily = new Array<number>(330).fill(0);
  for (const sale of salesRows() as readonly Sale[]) {
    if (sale.product === product) daily[sale.day]! += sale.unitPrice * sale.quantity;
  }
  return daily.map((_, day) => {
    let sum = 0;
    for (let d = Math.max(0, day - window + 1); d <= day; d++) sum += daily[d]!;
    return Math.round((sum / window) * 100) / 100;
  });
}
