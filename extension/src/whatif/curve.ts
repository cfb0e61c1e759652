/**
 * A what-if curve from a process's recorded lookups: the sizes to try, the simulation (the
 * runtime's simulator, the same one `cachelens simulate` runs) and the one sentence that says
 * what the curve means. Pure and synchronous: the worker runs it, off the extension host's thread.
 */
import { formatDuration } from '../../../protocol/format.js';
import { MAX_WHATIF_SIZES, TTL_WHATIF_FACTORS, type WhatIfCurve, type WhatIfTtl } from '../../../protocol/panel.js';
import { decodeHashes, decodeTimes } from '../../../runtime/src/protocol.js';
import { ttlWhatIfTrace } from '../../../runtime/src/simulate/ttl-whatif.js';
import { whatIfKeys } from '../../../runtime/src/simulate/whatif.js';

/** What a curve is computed from: the fields of a `trace` message. */
export interface CurveJob {
  /** Base64 of big-endian int32 key hashes, oldest first. */
  hashes: string;
  sampleRate: number;
  seen: number;
  /** The function's current capacity in entries; null when unbounded or unknown. */
  max: number | null;
  /** Optional: the `trace` message's `times` (the last lookups' times, base64 uint32 ms). */
  times?: string;
  /** Optional: the function's TTL in ms. */
  ttlMs?: number;
}

/** The policies of every curve, in legend order. */
export const CURVE_POLICIES = [
  { policy: 'default', label: 'default (adaptive)' },
  { policy: 'lru', label: 'LRU' },
] as const;

/** Points of a curve before adding the marked sizes (max and 2 × max). */
const POINTS = 28;

/**
 * Cache sizes from 1 entry to `top`, spaced evenly on a log scale, plus every size in `marks`:
 * ascending, distinct, at most `MAX_WHATIF_SIZES`.
 */
export function curveSizes(top: number, marks: readonly number[] = []): number[] {
  const end = Math.max(2, Math.round(top));
  const sizes = new Set<number>(marks.filter((m) => m >= 1 && m <= end));
  for (let i = 0; i < POINTS; i++) sizes.add(Math.max(1, Math.round(Math.exp((Math.log(end) * i) / (POINTS - 1)))));
  return [...sizes].sort((a, b) => a - b).slice(0, MAX_WHATIF_SIZES);
}

const percent = (ratio: number): string => `${Math.round(ratio * 100)}%`;
const entries = (n: number): string => n.toLocaleString('en-US');

/** Replays the recorded lookups at sizes around `max` (or up to the key set, when unbounded) with each curve policy. */
export function computeCurve(job: CurveJob): WhatIfCurve {
  const keys = decodeHashes(job.hashes);
  const distinct = Math.max(1, Math.round(new Set(keys).size / job.sampleRate));
  const sizes = job.max !== null ? curveSizes(4 * job.max, [job.max, 2 * job.max]) : curveSizes(Math.max(4, 2 * distinct), [distinct]);
  const points = whatIfKeys(keys, job.sampleRate, sizes, CURVE_POLICIES.map((p) => p.policy));
  const series = CURVE_POLICIES.map(({ policy, label }) => ({
    policy, label, hitRatios: sizes.map((size) => points.find((p) => p.policy === policy && p.size === size)!.hitRatio),
  }));
  return {
    sizes, series, max: job.max, sentence: sentence(sizes, series[0]!.hitRatios, job.max, distinct), accesses: keys.length, seen: job.seen, sampleRate: job.sampleRate,
    ttl: ttlRows(keys, job.times, job.ttlMs),
  };
}

/**
 * The TTL what-if of a recording: the timed lookups (the last `times.length` of `keys`) replayed at
 * `ttlMs` and at each of `TTL_WHATIF_FACTORS` times it (capacity left out: see `ttl-whatif.ts`).
 */
export function ttlRows(keys: Int32Array, times: string | undefined, ttlMs: number | undefined): WhatIfTtl {
  const decoded = times === undefined ? undefined : decodeTimes(times);
  if (ttlMs === undefined || !(ttlMs > 0)) {
    return { ttlMs: null, accesses: decoded?.length ?? 0, medianReuseMs: null, rows: [], sentence: 'No TTL what-if: this function has no TTL.' };
  }
  if (decoded === undefined || decoded.length === 0) {
    return { ttlMs, accesses: 0, medianReuseMs: null, rows: [], sentence: 'No TTL what-if: this recording has no times (the process\'s runtime does not send them).' };
  }
  const timed = keys.subarray(keys.length - decoded.length);
  const replays = TTL_WHATIF_FACTORS.map((factor) => ttlWhatIfTrace(timed, decoded, ttlMs, factor * ttlMs));
  const rows = replays.map((r) => ({ ttlMs: r.candidateTtlMs, gained: r.turnedIntoHits, lost: r.lostHits }));
  const median = replays[0]!.medianReuseMs ?? null;
  return { ttlMs, accesses: decoded.length, medianReuseMs: median, rows, sentence: ttlSentence(ttlMs, decoded.length, median, rows) };
}

/**
 * What the TTL rows say, in one sentence: the shortest candidate within 90% of the best net gain
 * (hits gained minus hits lost), or that no longer TTL would add hits.
 */
export function ttlSentence(ttlMs: number, accesses: number, medianReuseMs: number | null, rows: readonly { ttlMs: number; gained: number; lost: number }[]): string {
  const of = `from this recording of ${entries(accesses)} calls`;
  const reuse = medianReuseMs === null ? 'no lookup found its entry expired' : `median reuse ${formatDuration(medianReuseMs)}`;
  const best = Math.max(0, ...rows.map((r) => r.gained - r.lost));
  if (best === 0) return `A longer TTL than ${formatDuration(ttlMs)} would not add hits, ${of}; ${reuse}.`;
  const pick = rows.find((r) => r.gained - r.lost >= 0.9 * best)!;
  return `With a TTL of ${formatDuration(pick.ttlMs)} instead of ${formatDuration(ttlMs)}: +${entries(pick.gained)} hits (-${entries(pick.lost)} lost), ${of}; ${reuse}.`;
}

/** What the default policy's curve says about `max`, in one sentence. */
export function sentence(sizes: readonly number[], ratios: readonly number[], max: number | null, distinct: number): string {
  const at = (size: number): number => ratios[sizes.indexOf(size)] ?? 0;
  /** The smallest size within half a point of `target`. */
  const enough = (target: number): number => sizes.find((_, i) => ratios[i]! >= target - 0.005) ?? sizes[sizes.length - 1]!;
  if (max === null) {
    const best = at(distinct);
    return `The cache is unbounded; ${entries(enough(best))} entries would already give ${percent(best)} hits, the most these lookups allow.`;
  }
  const now = at(max);
  const doubled = at(2 * max);
  const double = `Doubling max (${entries(max)} → ${entries(2 * max)})`;
  if (Math.round(doubled * 100) > Math.round(now * 100)) return `${double} would raise hits from ${percent(now)} to ${percent(doubled)}.`;
  return `${double} would not raise hits above ${percent(now)}: ${entries(enough(now))} entries already give that much.`;
}
