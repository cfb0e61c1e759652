/**
 * Per-function statistics: plain number fields bumped on the call path (no allocation per call),
 * turned into an immutable snapshot only when someone asks.
 */
import type { EvictionCause, StoreEvents } from './stores/types.js';

/** Counters of one memoized function, as the registry and `cacheOf(f).stats()` report them. */
export interface StatsSnapshot {
  /** Calls answered from the cache (including calls that joined an in-flight computation). */
  hits: number;
  /** Calls that had to compute. */
  misses: number;
  /** Computations that threw or rejected. */
  errors: number;
  /** Entries that left the cache, by cause: `size` (bounds), `expired` (TTL), `explicit` (delete/clear/refresh). */
  evictions: { size: number; expired: number; explicit: number };
  /** Entries held now. */
  entries: number;
  /** Approximate bytes held now (0 when unknown). */
  bytes: number;
  /** Total milliseconds spent computing on misses. */
  computeMs: number;
  /** Estimated milliseconds saved: mean miss latency × hits. */
  savedMs: number;
  /** Stale values served while a background refresh ran (`staleWhileRevalidate`). */
  staleServed: number;
  /** Backend operations that failed and were answered as a miss / dropped (fail open). */
  backendErrors: number;
}

/** The live counters. Fields are public for the hot path; read them through `snapshot()`. */
export class Stats implements StoreEvents {
  hits = 0;
  misses = 0;
  errors = 0;
  evictedSize = 0;
  evictedExpired = 0;
  evictedExplicit = 0;
  computeMs = 0;
  /** Completed computations (the denominator of the mean miss latency). */
  computed = 0;
  staleServed = 0;
  backendErrors = 0;

  evicted(cause: EvictionCause, count: number): void {
    if (cause === 'size') this.evictedSize += count;
    else if (cause === 'expired') this.evictedExpired += count;
    else this.evictedExplicit += count;
  }

  backendError(): void {
    this.backendErrors++;
  }

  /** Records one finished computation that took `ms`. */
  recordCompute(ms: number): void {
    this.computeMs += ms;
    this.computed++;
  }

  snapshot(entries: number, bytes: number): StatsSnapshot {
    const mean = this.computed > 0 ? this.computeMs / this.computed : 0;
    return {
      hits: this.hits,
      misses: this.misses,
      errors: this.errors,
      evictions: { size: this.evictedSize, expired: this.evictedExpired, explicit: this.evictedExplicit },
      entries,
      bytes,
      computeMs: this.computeMs,
      savedMs: mean * this.hits,
      staleServed: this.staleServed,
      backendErrors: this.backendErrors,
    };
  }
}
