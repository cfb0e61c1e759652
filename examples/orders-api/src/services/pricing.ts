/** Prices around an order: exchange rates (a slow upstream service) and shipping quotes. */

const RATES_FROM_EUR: Record<string, number> = { EUR: 1, USD: 1.08, GBP: 0.85 };

/** What one EUR buys in `currency`, from the rates service (simulated: 60 ms per call). */
export async function exchangeRate(currency: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 60));
  const rate = RATES_FROM_EUR[currency];
  if (rate === undefined) throw new Error(`unknown currency ${currency}: use one of ${Object.keys(RATES_FROM_EUR).join(', ')}`);
  return rate;
}

/** Shipping in cents for `weightKg` to `region`: the carrier's zone table, walked step by step. */
export function shippingQuote(region: string, weightKg: number): number {
  const zone = { north: 1.2, south: 1.0, east: 1.35, west: 1.1 }[region] ?? 1.5;
  let cents = 490;
  for (let kg = 0; kg < weightKg; kg += 0.5) cents += Math.round(35 * zone * (1 + kg / 100));
  return cents;
}
