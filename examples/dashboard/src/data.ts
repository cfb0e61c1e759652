/**
 * The dashboard's data source: a deterministic sales dataset (as if read from a warehouse) and a
 * simulated database round trip. Everything the dashboard shows is recomputed from these rows.
 */
export interface Sale {
  id: number;
  region: string;
  product: string;
  userId: string;
  unitPrice: number;
  quantity: number;
  day: number; // days since 2026-01-01
}

export const REGIONS = ['north', 'south', 'east', 'west', 'central'] as const;
export const PRODUCTS = Array.from({ length: 60 }, (_, i) => `product-${String(i + 1).padStart(2, '0')}`);
export const USERS = Array.from({ length: 200 }, (_, i) => `user-${i + 1}`);

/** Mulberry32: a small seeded PRNG, so every run (and every process) sees the same data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let rows: Sale[] | undefined;

/** All sales rows (60,000 of them), generated once. */
export function salesRows(): readonly Sale[] {
  if (rows) return rows;
  const random = prng(42);
  rows = Array.from({ length: 60_000 }, (_, id) => {
    const product = PRODUCTS[Math.floor(random() ** 2 * PRODUCTS.length)]!;
    return {
      id,
      region: REGIONS[Math.floor(random() * REGIONS.length)]!,
      product,
      userId: USERS[Math.floor(random() * USERS.length)]!,
      unitPrice: Math.round((5 + random() * 95) * 100) / 100,
      quantity: 1 + Math.floor(random() * 9),
      day: Math.floor(random() * 330),
    };
  });
  return rows;
}

/** Simulated network latency of the database, in milliseconds. */
export const DB_LATENCY_MS = 25;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rows of one user, fetched "from the database" (one round trip). */
export async function fetchUserSales(userId: string): Promise<Sale[]> {
  await sleep(DB_LATENCY_MS);
  return salesRows().filter((sale) => sale.userId === userId);
}
