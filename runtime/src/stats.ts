/**
 * Per-function statistics: plain number fields bumped on the call path (no allocation per call),
 * turned into an immutable snapshot only when someone asks.
 */
import type { MissCauseCounts } from './protocol.js';
import type { EvictionCause, StoreEvents } from './stores/types.js';
import type { VerifySnapshot } from './memoize/verify.js';

/** Counters of one memoized function, as the registry and `cacheOf(f).stats()` report them. */
export interface StatsSnapshot {
  /**
   * Calls answered from the cache, including calls that joined a computation already in flight for
   * their key (counted when they join, whether that computation then succeeds or fails).
   */
  hits: number;
  /** Calls that had to compute (counted when the computation starts). */
  misses: number;
  /** Computations that threw or rejected (once per computation, however many calls joined it). */
  errors: number;
  /** Entries that left the cache, by cause: `size` (bounds), `expired` (TTL), `explicit` (delete/clear/refresh). */
  evictions: { size: number; expired: number; explicit: number };
  /** Entries held now: live entries only (an entry whose TTL has passed is not held, removed yet or not). */
  entries: number;
  /** Approximate bytes held now by live entries (0 when unknown). */
  bytes: number;
  /** Total milliseconds spent in completed computations (successful or not). */
  computeMs: number;
  /** Computations completed (returned, resolved, threw or rejected): `misses - computed` are in flight. */
  computed: number;
  /**
   * Estimated milliseconds saved, a counter that never decreases: each hit adds the mean miss time
   * (`computeMs / computed`, 0 before any computation completed) in force when the hit happened.
   */
  savedMs: number;
  /** Stale values served while a background refresh ran (`staleWhileRevalidate`). */
  staleServed: number;
  /** Backend operations that failed and were answered as a miss / dropped (fail open). */
  backendErrors: number;
  /** What the `verify` option found; absent when it is off. */
  verify?: VerifySnapshot;
  /** Misses by cause (`stats-causes.ts`); absent before the first miss. Optional in the live protocol. */
  missCauses?: MissCauseCounts;
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
  /** `savedMs` of the hits up to `creditedHits` (hits after it are credited at the current mean). */
  #saved = 0;
  #creditedHits = 0;
  staleServed = 0;
  backendErrors = 0;
  /** The last failure a store reported: what the miss classification asks about a failed write. */
  lastBackendError: Error | undefined;

  evicted(cause: EvictionCause, count: number): void {
    if (cause === 'size') this.evictedSize += count;
    else if (cause === 'expired') this.evictedExpired += count;
    else this.evictedExplicit += count;
  }

  backendError(error?: Error): void {
    this.backendErrors++;
    this.lastBackendError = error;
  }

  /**
   * Records one finished computation that took `ms`. The mean miss time changes only here, so the
   * hits since the last change are credited first, at the mean in force when they happened: the hit
   * path stays one increment, and `savedMs` is the same whenever (and however often) it is read.
   */
  recordCompute(ms: number): void {
    this.#saved = this.#savedNow();
    this.#creditedHits = this.hits;
    this.computeMs += ms;
    this.computed++;
  }

  #savedNow(): number {
    const pending = this.hits - this.#creditedHits;
    return pending > 0 && this.computed > 0 ? this.#saved + pending * (this.computeMs / this.computed) : this.#saved;
  }

  snapshot(entries: number, bytes: number): StatsSnapshot {
    return {
      hits: this.hits,
      misses: this.misses,
      errors: this.errors,
      evictions: { size: this.evictedSize, expired: this.evictedExpired, explicit: this.evictedExplicit },
      entries,
      bytes,
      computeMs: this.computeMs,
      computed: this.computed,
      savedMs: this.#savedNow(),
      staleServed: this.staleServed,
      backendErrors: this.backendErrors,
    };
  }
}
