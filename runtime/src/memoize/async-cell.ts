/**
 * The asynchronous cell: a cache over a store answered by promises (Redis, Memcached, disk,
 * two-tier). Calls return promises; concurrent calls with one key join one flight; a miss may be
 * computed once across processes (`stampede`); store failures fail open; values written by a call
 * that overlapped a clear are not written. Over a two-tier store's L1, hits take the in-memory
 * call path (`tierCall`).
 */
import { internalized, buildCallPath } from '../call-path.js';
import { canonicalArgs, plainAsJson } from '../keys.js';
import type { ResolvedOptions } from '../options.js';
import { onceAcrossProcesses } from '../stores/remote/stampede.js';
import { MISS, type AsyncStore, type SettledTier } from '../stores/types.js';
import { approxBytes } from '../units.js';
import { accepts, cellSettings, invalidationOf, isThenable, userKeyToKey, type Cell, type Fn } from './cell.js';
import { ERROR_FIELD, errorEnvelope, VALUE_FIELD, type ErrorEnvelope, type ValueEnvelope } from './envelopes.js';
import type { Memo } from './memo.js';
import { PairKeys, prototypeOf } from './memory-key.js';
import { warnOnce } from './warnings.js';
import { BYPASSED, EXPIRED, INVALIDATED, isValueProblem, NOT_CACHEABLE, UNAVAILABLE } from '../stats-causes.js';

export function asyncCell(memo: Memo, r: ResolvedOptions, store: AsyncStore): Cell {
  const { stats, elapsed, fn, id, now, ttlMs, staleMs, storeTtl, cacheErrors, cacheIf, userKey, causes, verifier } = cellSettings(memo, r);
  const enveloped = cacheErrors || staleMs !== undefined;
  let warnedSync = false;

  interface Flight { promise: Promise<unknown>; expires: number; settled?: Promise<unknown> }
  const inflight = new Map<string, Flight>();
  const refreshing = new Set<string>();

  const keyOf = (self: unknown, args: ArrayLike<unknown>): string =>
    userKey !== undefined
      ? userKeyToKey(id, userKey.apply(self, Array.prototype.slice.call(args)), false) as string
      : canonicalArgs(id, args);

  /**
   * Bumped when a clear starts and when the store's clear answers. A value computed by a call that
   * began before (or during) a clear may come from the data the clear was meant to drop: it is
   * returned to its callers but not written, or it would be served after the clear, until its TTL.
   */
  let clears = 0;

  const write = (flight: Flight | undefined, key: string, stored: unknown, bytes: number, epoch: number): void => {
    if (epoch !== clears) return causes.lost(key, INVALIDATED);
    let pending: Promise<void>;
    const failures = stats.backendErrors;
    causes.wrote(key);
    try {
      pending = store.set(key, stored, { ttlMs: storeTtl, bytes });
    } catch {
      stats.backendErrors++;
      return causes.lost(key, UNAVAILABLE);
    }
    // A value the store refused (not serializable, too large) is reported before `set` returns;
    // a failure of the server later (so, while other operations run: an estimate under load).
    if (stats.backendErrors !== failures && isValueProblem(stats.lastBackendError)) causes.lost(key, NOT_CACHEABLE);
    const written = Promise.resolve(pending).catch(() => { stats.backendErrors++; }).then(() => {
      if (stats.backendErrors !== failures && !isValueProblem(stats.lastBackendError)) causes.lost(key, UNAVAILABLE);
    });
    if (flight !== undefined) flight.settled = written;
  };

  const computeValue = async (self: unknown, key: string, args: ArrayLike<unknown>, flight: Flight | undefined, cause?: number): Promise<unknown> => {
    stats.misses++;
    causes.miss(key, cause);
    const epoch = clears;
    const t0 = elapsed();
    let value: unknown;
    try {
      const result = fn.apply(self, args as unknown[]);
      if (!isThenable(result) && !warnedSync) {
        warnedSync = true;
        warnOnce('CACHELENS_SYNC_REMOTE', id, () => `cachelens: "${id}" is synchronous but uses the ${store.kind} backend "${r.backendName}", ` +
          'so its calls return Promises. Make the function async, or use an in-memory backend.');
      }
      value = await result;
    } catch (error) {
      stats.errors++;
      stats.recordCompute(elapsed() - t0);
      if (cacheErrors) {
        const envelope = errorEnvelope(error);
        if (envelope !== undefined) write(flight, key, envelope, 128, epoch);
        else memo.uncacheable();
      } else causes.lost(key, NOT_CACHEABLE);
      throw error;
    }
    stats.recordCompute(elapsed() - t0);
    if (cacheIf === undefined || accepts(memo, cacheIf, value)) {
      const bytes = approxBytes(value);
      if (bytes === undefined) {
        causes.lost(key, NOT_CACHEABLE);
        memo.uncacheable();
        return value;
      }
      const stored = enveloped
        ? ({ [VALUE_FIELD]: value, ...(staleMs !== undefined ? { staleAt: now() + ttlMs! } : {}) } satisfies ValueEnvelope)
        : value;
      verifier?.cached(value, value);
      write(flight, key, stored, bytes, epoch);
    } else causes.lost(key, BYPASSED);
    return value;
  };
  /** With `verify`, computations tell the verifier which keys are being computed (no key is checked meanwhile). */
  const compute = verifier === undefined ? computeValue : (self: unknown, key: string, args: ArrayLike<unknown>, flight: Flight | undefined, cause?: number): Promise<unknown> => {
    const done = verifier.computing(key);
    const promise = computeValue(self, key, args, flight, cause);
    promise.then(done, done);
    return promise;
  };
  const verifyBusy = (key: string | number): boolean => refreshing.has(String(key));

  const revalidate = (self: unknown, key: string, args: ArrayLike<unknown>): void => {
    if (refreshing.has(key)) return;
    refreshing.add(key);
    const done = (): void => { refreshing.delete(key); };
    compute(self, key, args, undefined, EXPIRED).then(done, done);
  };

  const hit = (self: unknown, key: string, args: ArrayLike<unknown>, held: unknown): unknown => {
    stats.hits++;
    if (verifier !== undefined) verifyHit(self, key, args, held);
    if (!enveloped || held === null || typeof held !== 'object') return held;
    if (ERROR_FIELD in held) {
      const e = (held as ErrorEnvelope)[ERROR_FIELD];
      const error = new Error(e.message);
      error.name = e.name;
      if (e.code !== undefined) (error as Error & { code?: unknown }).code = e.code;
      throw error;
    }
    if (VALUE_FIELD in held) {
      const v = held as ValueEnvelope;
      if (v.staleAt !== undefined && v.staleAt <= now()) {
        stats.staleServed++;
        revalidate(self, key, args);
      }
      return v[VALUE_FIELD];
    }
    return held;
  };

  /** The value a hit returns, to verify (a cached error is not). */
  const verifyHit = (self: unknown, key: string, args: ArrayLike<unknown>, held: unknown): void => {
    if (enveloped && held !== null && typeof held === 'object') {
      if (ERROR_FIELD in held) return;
      if (VALUE_FIELD in held) held = (held as ValueEnvelope)[VALUE_FIELD];
    }
    verifier!.hit(self, key, held, args, verifyBusy);
  };

  /** Across processes, one computes a missing key; the others read its value (see `stampede`). */
  const computeAcrossProcesses = async (self: unknown, key: string, args: ArrayLike<unknown>, flight: Flight, cause: number | undefined): Promise<unknown> => {
    let producing = false;
    try {
      const result = await onceAcrossProcesses(store, key, async () => {
        producing = true;
        const value = await compute(self, key, args, flight, cause);
        await flight.settled; // the value is in the store before the lock is released
        return value;
      });
      return 'stored' in result ? hit(self, key, args, result.stored) : result.produced;
    } catch (error) {
      if (producing) throw error; // the function's own error, as without caching
      stats.backendErrors++; // the lock failed: fail open, compute here
      return compute(self, key, args, flight, cause);
    }
  };
  const stampede = memo.options.stampede !== false && store.lock !== undefined;

  const lookup = async (self: unknown, key: string, args: ArrayLike<unknown>, flight: Flight): Promise<unknown> => {
    let held: unknown = MISS;
    if (store.peek !== undefined) {
      // An in-process tier (two-tier L1) answers without I/O.
      try { held = store.peek(key); } catch { held = MISS; }
      if (held !== MISS) return hit(self, key, args, held);
    }
    const failures = stats.backendErrors;
    try {
      held = await store.get(key);
    } catch {
      stats.backendErrors++; // fail open: a store that throws is a miss
    }
    if (held !== MISS) return hit(self, key, args, held);
    // A read that failed (counted while it ran: an estimate when other operations fail meanwhile).
    const cause = stats.backendErrors === failures ? undefined : isValueProblem(stats.lastBackendError) ? NOT_CACHEABLE : UNAVAILABLE;
    return stampede ? computeAcrossProcesses(self, key, args, flight, cause) : compute(self, key, args, flight, cause);
  };

  const start = (self: unknown, key: string, args: ArrayLike<unknown>): Promise<unknown> => {
    const flight: Flight = { promise: undefined as unknown as Promise<unknown>, expires: ttlMs !== undefined ? now() + ttlMs : 0 };
    flight.promise = lookup(self, key, args, flight);
    inflight.set(key, flight);
    const release = (): void => {
      const drop = (): void => { if (inflight.get(key) === flight) inflight.delete(key); };
      // Keep joining callers on this flight until the value is written, so they do not miss meanwhile.
      if (flight.settled !== undefined) void flight.settled.then(drop);
      else drop();
    };
    flight.promise.then(release, release);
    return flight.promise;
  };

  const trace = memo.trace;
  /** The general path for a key: join its flight in progress, else start one. */
  const join = (self: unknown, key: string, args: ArrayLike<unknown>): Promise<unknown> => {
    const flight = inflight.get(key);
    if (flight !== undefined && (flight.expires === 0 || flight.expires > now())) {
      stats.hits++;
      // A lookup the store never sees; recorded so the trace replays what the cache served.
      trace?.record(key);
      return flight.promise;
    }
    return start(self, key, args);
  };

  /**
   * Over an in-process tier with settled promises (two-tier L1), when hits need no unwrapping:
   * the in-memory call path, with the tier as its store, so an L1 hit costs what a memory-backend
   * hit of an async function costs (its cached promise). Misses take the general path.
   */
  const tierCall = (tier: SettledTier): Fn => {
    const tierKeyOf = tier.keyOf;
    const byKey = (self: unknown, key: string, args: ArrayLike<unknown>): unknown => {
      let held: unknown;
      try { held = tier.get(tierKeyOf(key)); } catch { held = MISS; }
      if (held !== MISS) {
        stats.hits++;
        return held;
      }
      return join(self, key, args);
    };
    const lookup = (self: unknown, args: ArrayLike<unknown>): unknown => byKey(self, keyOf(self, args), args);
    if (userKey !== undefined) {
      return function memoized(this: unknown) {
        // eslint-disable-next-line prefer-rest-params
        return lookup(this, arguments);
      };
    }
    const lookupObject = (self: unknown, a: object): unknown => {
      const proto = prototypeOf(a);
      const plainKey = proto === Object.prototype || proto === null ? plainAsJson(a as Record<string, unknown>) : undefined;
      return byKey(self, plainKey ?? canonicalArgs(id, [a], 1), [a]);
    };
    const miss = (self: unknown, _key: unknown, args: ArrayLike<unknown>): unknown => join(self, keyOf(self, args), args);
    const pairs = new PairKeys<string | number>();
    return buildCallPath<string | number>({
      store: tier, stats, plain: true, miss: MISS,
      targets: {
        lookup,
        lookupObject,
        lookupThree: (self, a, b, c) => lookup(self, [a, b, c]),
        computeFew: (self, key, n, a, b) => miss(self, key, n === 1 ? [a] : [a, b]),
        // Remembered, so made the engine's unique copy (as the tier stores it): found by identity.
        pairKey: (a, b) => {
          const known = pairs.find(a, b);
          if (known !== undefined) return known;
          const key = tierKeyOf(canonicalArgs(id, [a, b], 2));
          return pairs.remember(a, b, typeof key === 'string' ? internalized(key) : key);
        },
        unwrap: (self, key, _held, args) => miss(self, key, args), // not called: plain hits are returned as held
      },
    }, fn) as Fn;
  };

  // Verified hits take the general path (its `hit` is where they are checked).
  const call = store.settled !== undefined && !enveloped && verifier === undefined
    ? tierCall(store.settled)
    : function memoized(this: unknown, ...args: unknown[]): Promise<unknown> {
      return join(this, keyOf(this, args), args);
    } as Fn;

  return {
    call,
    store,
    keyOf,
    has: async (key) => {
      try { return await store.has(String(key)); } catch { stats.backendErrors++; return false; }
    },
    delete: async (key) => {
      inflight.delete(String(key));
      causes.lost(String(key), INVALIDATED);
      try {
        const removed = await store.delete(String(key));
        return { removed, confirmed: invalidationOf(store).confirmed };
      } catch {
        stats.backendErrors++;
        return { removed: false, confirmed: false };
      }
    },
    refresh: (self, key, args) => {
      inflight.delete(String(key));
      return compute(self, String(key), args, undefined, BYPASSED);
    },
    clear: async () => {
      causes.cleared();
      clears++;
      inflight.clear();
      await store.clear();
      // Lookups started while the store was clearing may read what the clear removes (a Redis or
      // Memcached generation switches only when the clear answers): calls from now on must not join them.
      clears++;
      inflight.clear();
      return invalidationOf(store);
    },
  };
}
