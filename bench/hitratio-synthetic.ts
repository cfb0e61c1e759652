/**
 * Synthetic workloads the default policy was never adjusted on, to check that it generalises:
 * each stresses one behaviour (frequency skew, recency, loops, scans, phase changes).
 * Generated from fixed seeds, so every run sees the same keys.
 */
export interface SyntheticWorkload {
  name: string;
  description: string;
  keys: number[];
  sizes: number[];
}

/** Deterministic PRNG (mulberry32) in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zipf ranks in [0, n) with exponent `skew`, drawn with `next` (inverse CDF by binary search). */
export function zipf(n: number, skew: number, next: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** skew;
  return () => {
    const u = next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const LENGTH = 300_000;

export function syntheticWorkloads(): SyntheticWorkload[] {
  const out: SyntheticWorkload[] = [];
  {
    const next = rng(1);
    const z = zipf(50_000, 0.8, next);
    out.push({ name: 'zipf-0.8', description: 'Zipf 0.8 over 50,000 keys (mild frequency skew)', keys: Array.from({ length: LENGTH }, z), sizes: [500, 2500, 10000] });
  }
  {
    const next = rng(2);
    const z = zipf(50_000, 1.1, next);
    out.push({ name: 'zipf-1.1', description: 'Zipf 1.1 over 50,000 keys (strong frequency skew)', keys: Array.from({ length: LENGTH }, z), sizes: [100, 1000, 5000] });
  }
  {
    // Recency: a working set that slides forward; old keys never return.
    const next = rng(3);
    out.push({ name: 'sliding', description: 'sliding working set of 2,000 keys advancing by one key every 10 accesses (recency: LRU-friendly)', keys: Array.from({ length: LENGTH }, (_, i) => Math.floor(i / 10) + Math.floor(next() * 2000)), sizes: [500, 1500, 3000, 8000, 12000] });
  }
  {
    const next = rng(4);
    const z = zipf(5_000, 0.9, next);
    // Hot Zipf traffic interrupted by long one-off scans.
    let scan = 1_000_000;
    out.push({ name: 'zipf+scans', description: 'Zipf 0.9 over 5,000 keys, every 20,000 accesses a scan of 10,000 never-seen keys', keys: Array.from({ length: LENGTH }, (_, i) => (i % 30_000 < 20_000 ? z() : scan++)), sizes: [250, 1000, 2500] });
  }
  {
    out.push({ name: 'loop-6000', description: 'a loop over 6,000 keys (LRU gets nothing below 6,000 entries)', keys: Array.from({ length: LENGTH }, (_, i) => i % 6000), sizes: [1000, 3000, 5000] });
  }
  {
    // Phase change: frequency-friendly, then loop, then frequency-friendly over other keys.
    const next = rng(6);
    const z = zipf(20_000, 0.9, next);
    out.push({ name: 'phases', description: 'Zipf 0.9 (20,000 keys), then a loop of 3,000 keys, then Zipf over a fresh key range, 100,000 accesses each', keys: Array.from({ length: LENGTH }, (_, i) => (i < 100_000 ? z() : i < 200_000 ? 100_000 + (i % 3000) : 200_000 + z())), sizes: [500, 2000, 6000, 12000] });
  }
  return out;
}
