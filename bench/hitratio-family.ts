/**
 * A broad, seeded family of synthetic workloads for the default policy's hit ratio, split into a
 * tuning half and a held-out half. Each kind stresses one behaviour (recency with bursts, loops
 * larger than the cache, scans over a hot set, shifting working sets, Zipf skew from 0.5 to 1.2,
 * short TTLs, and mixes); each instance draws its parameters from its own seed, and is run at
 * several cache sizes on both sides of the adaptive policy's exact/sampled boundary (4,096
 * entries). Odd seeds are the tuning half, even seeds the held-out half: the policy's constants
 * may be chosen on the first only, and the second is what the report leads with.
 */
import { rng, zipf } from './hitratio-synthetic.js';

export interface FamilyWorkload {
  /** `kind/seed`, e.g. `recency-bursts/3`. */
  name: string;
  kind: string;
  seed: number;
  half: 'tuning' | 'heldout';
  description: string;
  keys: Int32Array;
  /** Time to live in accesses (an entry older than this is a miss and is replaced), or 0. */
  ttl: number;
  sizes: number[];
}

/** A value drawn uniformly from [lo, hi]. */
const between = (next: () => number, lo: number, hi: number): number => lo + (hi - lo) * next();
const intBetween = (next: () => number, lo: number, hi: number): number => Math.floor(between(next, lo, hi + 1));

/**
 * Recency-dominated traffic (a service's sessions): keys arrive at random times and each is
 * accessed a few times (geometric, mean `perKey`) with gaps drawn log-uniformly from
 * [1, `maxGap`] accesses, then never again; a share `burst` of accesses comes with 1 to 7
 * back-to-back repeats. Popularity follows age, not a fixed rank: LRU is near optimal, and
 * frequency-based admission loses.
 */
function recencyBursts(next: () => number, length: number, perKey: number, maxGap: number, burst: number): Int32Array {
  const times: number[] = [];
  const ids: number[] = [];
  let key = 0;
  while (times.length < length) {
    let t = next() * length;
    do {
      const repeats = next() < burst ? intBetween(next, 2, 8) : 1;
      for (let r = 0; r < repeats; r++) {
        times.push(t + r * 1e-3);
        ids.push(key);
      }
      t += Math.exp(next() * Math.log(maxGap));
    } while (next() > 1 / perKey);
    key++;
  }
  const order = Int32Array.from(times.keys()).sort((x, y) => times[x]! - times[y]!);
  return Int32Array.from(order.subarray(0, length), (i) => ids[i]!);
}

/** A loop over `n` keys with a fraction `noise` of accesses drawn uniformly from `n` other keys. */
function noisyLoop(next: () => number, length: number, n: number, noise: number): Int32Array {
  const keys = new Int32Array(length);
  let position = 0;
  for (let i = 0; i < length; i++) keys[i] = next() < noise ? n + Math.floor(next() * n) : position++ % n;
  return keys;
}

/** Zipf(skew) over `hot` keys, interrupted every `every` accesses by a scan of `scan` never-seen keys. */
function hotWithScans(next: () => number, length: number, hot: number, skew: number, every: number, scan: number): Int32Array {
  const z = zipf(hot, skew, next);
  const keys = new Int32Array(length);
  let fresh = hot;
  let i = 0;
  while (i < length) {
    for (let j = 0; j < every && i < length; j++) keys[i++] = z();
    for (let j = 0; j < scan && i < length; j++) keys[i++] = fresh++;
  }
  return keys;
}

/**
 * Zipf(skew) over a working set of `set` keys that shifts: abruptly (a fresh range every
 * `phase` accesses) or gradually (the range slides by one key every `1/drift` accesses).
 */
function shifting(next: () => number, length: number, set: number, skew: number, phase: number, gradual: boolean): Int32Array {
  const z = zipf(set, skew, next);
  const keys = new Int32Array(length);
  // Ranks are spread over the range so that a slide changes hot keys too.
  const spread = (rank: number): number => Math.imul(rank, 40503) % set;
  for (let i = 0; i < length; i++) {
    const p = spread(z());
    if (gradual) {
      // The window [base, base + set) slides; a key keeps its popularity while inside it.
      const base = Math.floor((i * set) / phase);
      keys[i] = base + ((((p - base) % set) + set) % set);
    } else {
      keys[i] = Math.floor(i / phase) * set + p;
    }
  }
  return keys;
}

/** Zipf(skew) over `n` keys. */
function zipfStream(next: () => number, length: number, n: number, skew: number): Int32Array {
  const z = zipf(n, skew, next);
  return Int32Array.from({ length }, z);
}

/** Two streams interleaved access by access: `a` with probability `share`, else `b` (key ranges kept apart). */
function interleave(next: () => number, a: Int32Array, b: Int32Array, share: number): Int32Array {
  const keys = new Int32Array(Math.min(a.length, b.length));
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < keys.length; i++) keys[i] = next() < share ? a[ia++]! : (1 << 29) + b[ib++]!;
  return keys;
}

/** Cache sizes as fractions of a footprint, rounded, at least 16 and distinct. */
function sizesOf(footprint: number, fractions: number[]): number[] {
  return [...new Set(fractions.map((f) => Math.max(16, Math.round(footprint * f))))];
}

const KINDS = ['recency-bursts', 'loop', 'hot+scans', 'shifting', 'zipf', 'zipf-ttl', 'mix'] as const;
/** Instances per kind (seeds 1..N; odd tuning, even held-out). */
const PER_KIND = 6;

/** One instance of `kind` drawn from `seed`; `scale` multiplies lengths and key spaces (1 = the report's). */
export function familyWorkload(kind: (typeof KINDS)[number], seed: number, scale = 1): FamilyWorkload {
  const next = rng(seed * 7919 + KINDS.indexOf(kind) * 104729);
  // Half the instances are large (key spaces and caches above the exact regime's 4,096 entries).
  const large = seed % 4 === 1 || seed % 4 === 2;
  const length = Math.round((large ? 600_000 : 200_000) * scale);
  const k = large ? 10 : 1;
  const half = seed % 2 === 1 ? 'tuning' : 'heldout';
  const base = { name: `${kind}/${seed}`, kind, seed, half, ttl: 0 } as const;
  switch (kind) {
    case 'recency-bursts': {
      const perKey = between(next, 3, 12);
      const maxGap = Math.round(between(next, 2000, 20_000) * k);
      const burst = between(next, 0, 0.3);
      const keys = recencyBursts(next, length, perKey, maxGap, burst);
      const footprint = Math.round(maxGap / perKey);
      return { ...base, keys, sizes: sizesOf(footprint, [0.1, 0.4, 1.6]), description: `sessions of ${perKey.toFixed(1)} accesses on average, gaps log-uniform up to ${maxGap}, bursts ${(burst * 100).toFixed(0)}%` };
    }
    case 'loop': {
      const n = Math.round(between(next, 400, 1500) * k);
      const noise = between(next, 0, 0.3);
      return { ...base, keys: noisyLoop(next, length, n, noise), sizes: sizesOf(n, [0.3, 0.6, 0.9]), description: `loop over ${n} keys, ${(noise * 100).toFixed(0)}% uniform noise over ${n} others` };
    }
    case 'hot+scans': {
      const hot = Math.round(between(next, 1000, 5000) * k);
      const skew = between(next, 0.6, 1.1);
      const every = Math.round(between(next, 2, 10) * hot);
      const scan = Math.round(between(next, 0.3, 2) * hot);
      return { ...base, keys: hotWithScans(next, length, hot, skew, every, scan), sizes: sizesOf(hot, [0.1, 0.3, 0.8]), description: `Zipf ${skew.toFixed(2)} over ${hot} keys, a scan of ${scan} fresh keys every ${every}` };
    }
    case 'shifting': {
      const set = Math.round(between(next, 1000, 4000) * k);
      const skew = between(next, 0.5, 1.1);
      const gradual = next() < 0.5;
      const phase = Math.round(between(next, 10, 40) * set);
      return { ...base, keys: shifting(next, length, set, skew, phase, gradual), sizes: sizesOf(set, [0.1, 0.3, 0.8]), description: `Zipf ${skew.toFixed(2)} over ${set} keys, ${gradual ? 'sliding by one set' : 'a fresh set'} every ${phase} accesses` };
    }
    case 'zipf': {
      const n = Math.round(between(next, 5000, 20_000) * k);
      const skew = 0.5 + 0.7 * ((seed - 1) / (PER_KIND - 1)) + between(next, -0.05, 0.05);
      return { ...base, keys: zipfStream(next, length, n, skew), sizes: sizesOf(n, [0.02, 0.1, 0.4]), description: `Zipf ${skew.toFixed(2)} over ${n} keys` };
    }
    case 'zipf-ttl': {
      const n = Math.round(between(next, 5000, 20_000) * k);
      const skew = between(next, 0.6, 1.2);
      const cap = n * 0.1;
      const ttl = Math.round(between(next, 0.5, 5) * cap);
      return { ...base, ttl, keys: zipfStream(next, length, n, skew), sizes: sizesOf(n, [0.02, 0.1, 0.3]), description: `Zipf ${skew.toFixed(2)} over ${n} keys, TTL ${ttl} accesses` };
    }
    case 'mix': {
      const n = Math.round(between(next, 2000, 6000) * k);
      const share = between(next, 0.3, 0.7);
      const a = recencyBursts(next, length, between(next, 3, 10), Math.round(between(next, 2, 10) * n), 0.1);
      const b = next() < 0.5 ? noisyLoop(next, length, n, 0.05) : zipfStream(next, length, n * 4, between(next, 0.7, 1.1));
      return { ...base, keys: interleave(next, a, b, share), sizes: sizesOf(n, [0.2, 0.6, 1.2]), description: `${(share * 100).toFixed(0)}% recency with bursts, the rest a loop or Zipf over ${n}-${n * 4} keys` };
    }
  }
}

/** Every workload of the family (or of one half), generated lazily one at a time. */
export function* familyWorkloads(half?: 'tuning' | 'heldout', scale = 1): Generator<FamilyWorkload> {
  for (const kind of KINDS) {
    for (let seed = 1; seed <= PER_KIND; seed++) {
      if (half !== undefined && (seed % 2 === 1 ? 'tuning' : 'heldout') !== half) continue;
      yield familyWorkload(kind, seed, scale);
    }
  }
}

export const FAMILY_KINDS = KINDS;
export const FAMILY_PER_KIND = PER_KIND;
