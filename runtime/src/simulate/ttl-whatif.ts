/**
 * The TTL what-if: replays a recording (key hashes and times, `TraceRecorder`) with the function's
 * TTL and with another one, and answers "with TTL X, how many of these expiration misses would
 * have been hits", how many hits X would have lost (a shorter X, or an entry that a longer X keeps
 * from its first write and lets expire earlier than the real rewrites did), and the median reuse
 * interval of the expiration misses (how long after the write the key was asked for again).
 *
 * Capacity is left out: each TTL's replay keeps every key (the what-if curve of sizes answers the
 * capacity question). Exact for what was recorded; for a sampled recording, counts are of the
 * sampled keys (divide by `sampleRate` for the whole stream).
 */
import { TraceRecorderOptionError, type TraceRecorder } from './recorder.js';

export interface TtlWhatIf {
  /** The TTL replayed as the function's, in ms. */
  ttlMs: number;
  /** The TTL asked about, in ms. */
  candidateTtlMs: number;
  /** Accesses replayed. */
  accesses: number;
  /** Accesses of a key already seen whose entry had expired under `ttlMs`. */
  expirationMisses: number;
  /** Of those, the ones `candidateTtlMs` would have served. */
  turnedIntoHits: number;
  /** Hits under `ttlMs` that would have been misses under `candidateTtlMs`. */
  lostHits: number;
  /** Median, in ms, of how long after its write an expired key was asked for again; undefined with no expiration miss. */
  medianReuseMs: number | undefined;
}

/** `ttlWhatIfTrace` over a recorder's current recording. */
export function ttlWhatIf(recorder: TraceRecorder, ttlMs: number, candidateTtlMs: number): TtlWhatIf {
  return ttlWhatIfTrace(recorder.snapshot(), recorder.times(), ttlMs, candidateTtlMs);
}

/**
 * Replays `hashes[i]` accessed at `times[i]` (ms, non-decreasing) with `ttlMs` and `candidateTtlMs`.
 * An access misses when its key was never seen or its last write is at least the TTL old; a miss
 * writes the key at its time.
 */
export function ttlWhatIfTrace(hashes: ArrayLike<number>, times: ArrayLike<number>, ttlMs: number, candidateTtlMs: number): TtlWhatIf {
  for (const [name, value] of [['ttlMs', ttlMs], ['candidateTtlMs', candidateTtlMs]] as const) {
    if (!(value > 0)) throw new TraceRecorderOptionError(`ttlWhatIf: ${name} must be a number of ms > 0, got ${String(value)}.`);
  }
  if (hashes.length !== times.length) {
    throw new TraceRecorderOptionError(`ttlWhatIf: ${hashes.length} hashes but ${times.length} times; pass a recording's snapshot() and times().`);
  }
  /** Per key, its last write with the real TTL and with the candidate. */
  const written = new Map<number, { real: number; candidate: number }>();
  const intervals: number[] = [];
  let turnedIntoHits = 0;
  let lostHits = 0;
  for (let i = 0; i < hashes.length; i++) {
    const hash = hashes[i]!;
    const t = times[i]!;
    const w = written.get(hash);
    if (w === undefined) {
      written.set(hash, { real: t, candidate: t });
      continue;
    }
    const realHit = t - w.real < ttlMs;
    const candidateHit = t - w.candidate < candidateTtlMs;
    if (!realHit) {
      intervals.push(t - w.real);
      w.real = t;
      if (candidateHit) turnedIntoHits++;
    }
    if (!candidateHit) {
      w.candidate = t;
      if (realHit) lostHits++;
    }
  }
  return {
    ttlMs, candidateTtlMs, accesses: hashes.length, expirationMisses: intervals.length, turnedIntoHits, lostHits,
    medianReuseMs: median(intervals),
  };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid] : (values[mid - 1]! + values[mid]!) / 2;
}
