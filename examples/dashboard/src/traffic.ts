import { REGIONS, USERS } from './data.js';

/**
 * Dashboard traffic as a person produces it: a few regions, products and users are looked at
 * far more often than the rest (a Zipf-like skew), so a cache has something to hit.
 */
export function skewedPicker<T>(items: readonly T[], seed: number): () => T {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const u = state / 4294967296;
    return items[Math.min(items.length - 1, Math.floor(u ** 3 * items.length))]!;
  };
}

export const pickRegion = skewedPicker(REGIONS, 1);
export const pickUser = skewedPicker(USERS, 2);
export const pickSince = skewedPicker([0, 180, 270, 300], 3);
