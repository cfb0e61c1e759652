import type { Order } from '@app/data/types';

const SKUS = [
  { sku: 'desk-oak', unitCents: 24900, weightKg: 31 },
  { sku: 'chair-mesh', unitCents: 13900, weightKg: 12 },
  { sku: 'lamp-arc', unitCents: 5900, weightKg: 3.5 },
  { sku: 'shelf-pine', unitCents: 8900, weightKg: 18 },
  { sku: 'rug-wool', unitCents: 17900, weightKg: 7 },
];
const REGIONS: Order['region'][] = ['north', 'south', 'east', 'west'];
const CURRENCIES = ['EUR', 'USD', 'GBP'];

/** The orders table: 60 orders of 12 customers, the same on every start. */
export const ORDERS: readonly Order[] = Array.from({ length: 60 }, (_, i): Order => ({
  id: `o-${1001 + i}`,
  customerId: `c-${(i % 12) + 1}`,
  region: REGIONS[i % REGIONS.length]!,
  currency: CURRENCIES[i % CURRENCIES.length]!,
  placedAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
  lines: SKUS.filter((_, k) => (i + k) % 3 !== 0).map((s, k) => ({ ...s, quantity: 1 + ((i + k) % 4) })),
}));
