/** Deterministic PRNG (mulberry32): every run replays the same operations. Values in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ranks 0..n-1 drawn from a Zipf distribution of exponent `skew` (inverse of the cumulative distribution), from `next`. */
export function zipf(n: number, skew: number, next: () => number): () => number {
  const cdf = new Float64Array(n);
  for (let k = 0, sum = 0; k < n; k++) cdf[k] = sum += 1 / (k + 1) ** skew;
  return () => {
    const u = next() * cdf[n - 1]!;
    let lo = 0;
    for (let hi = n - 1; lo < hi;) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
