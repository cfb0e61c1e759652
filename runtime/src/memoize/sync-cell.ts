/**
 * The synchronous cell: a cache over an in-process store (memory), where a hit is answered in
 * the same tick. Its call path is a closure built once, with every option decided (see
 * `call-path.ts`); sync functions stay sync, promises are cached as promises (single flight), and
 * `cacheErrors`/`staleWhileRevalidate` wrap values in `Thrown`/`Timed`.
 */
import { approxBytes } from '../units.js';
import { buildCallPath } from '../call-path.js';
import type { ResolvedOptions } from '../options.js';
import { MISS, type SyncStore } from '../stores/types.js';
import { accepts, cellSettings, CONFIRMED, isThenable, userKeyToKey, type Cell, type Fn, type Key } from './cell.js';
import { Thrown, Timed } from './envelopes.js';
import { BYPASSED, EXPIRED, INVALIDATED, NOT_CACHEABLE } from '../stats-causes.js';
import type { Memo } from './memo.js';
import { memoryKey, objectKey, rememberPairs } from './memory-key.js';

/** `raw`: the store without the tracing wrapper, for the cell's own checks (not lookups, not recorded). */
export function syncCell(memo: Memo, r: ResolvedOptions, store: SyncStore, raw: SyncStore = store): Cell {
  const { stats, elapsed, fn, id, now, ttlMs, staleMs, storeTtl, cacheErrors, cacheIf, userKey, causes } = cellSettings(memo, r);
  /** Hits can return what the store holds as is (no Thrown/Timed wrappers to look at). */
  const plain = !cacheErrors && staleMs === undefined;
  const refreshing = new Set<Key>();

  const keyOf = (self: unknown, args: ArrayLike<unknown>): Key =>
    userKey !== undefined
      ? userKeyToKey(id, userKey.apply(self, Array.prototype.slice.call(args)), true)
      : memoryKey(id, args, args.length);

  const wrap = (value: unknown): unknown => (staleMs !== undefined ? new Timed(value, now() + ttlMs!) : value);

  const isCurrent = (key: Key, promise: unknown): boolean => {
    const held = raw.has(key) ? raw.get(key) : MISS;
    return held === promise || (held instanceof Timed && held.value === promise);
  };

  // Removing an entry that never became a value (a rejected or refused promise) is not an eviction.
  const withdraw = (key: Key): void => {
    if (store.delete(key)) stats.evictedExplicit--;
  };

  const track = (key: Key, promise: PromiseLike<unknown>, t0: number, inFlightStored: boolean): PromiseLike<unknown> => {
    if (inFlightStored) store.set(key, wrap(promise), { ttlMs: storeTtl, bytes: 64 });
    promise.then((value) => {
      stats.recordCompute(elapsed() - t0);
      const current = !inFlightStored || isCurrent(key, promise);
      if (!current) return;
      if (cacheIf !== undefined && !accepts(memo, cacheIf, value)) {
        causes.lost(key, BYPASSED);
        return withdraw(key);
      }
      const bytes = approxBytes(value);
      if (bytes !== undefined) {
        causes.wrote(key);
        return store.set(key, wrap(promise), { ttlMs: storeTtl, bytes });
      }
      causes.lost(key, NOT_CACHEABLE);
      withdraw(key);
      memo.uncacheable();
    }, () => {
      stats.errors++;
      stats.recordCompute(elapsed() - t0);
      if (cacheErrors) causes.wrote(key);
      else causes.lost(key, NOT_CACHEABLE);
      if (inFlightStored && !cacheErrors && isCurrent(key, promise)) withdraw(key);
      else if (!inFlightStored && cacheErrors) store.set(key, wrap(promise), { ttlMs: storeTtl, bytes: 64 });
    });
    return promise;
  };

  /** A miss: call the function, store what it returns (or the promise it returns, for single-flight). */
  const compute = (self: unknown, key: Key, args: ArrayLike<unknown>, background = false, cause?: number): unknown => {
    stats.misses++;
    causes.miss(key, cause);
    const t0 = elapsed();
    let result: unknown;
    try {
      result = fn.apply(self, args as unknown[]);
    } catch (error) {
      stats.errors++;
      stats.recordCompute(elapsed() - t0);
      if (cacheErrors) {
        causes.wrote(key);
        store.set(key, new Thrown(error), { ttlMs: storeTtl, bytes: 64 });
      } else causes.lost(key, NOT_CACHEABLE);
      throw error;
    }
    if (isThenable(result)) return track(key, result, t0, !background);
    stats.recordCompute(elapsed() - t0);
    if (cacheIf === undefined || accepts(memo, cacheIf, result)) {
      const bytes = approxBytes(result);
      if (bytes !== undefined) {
        causes.wrote(key);
        store.set(key, wrap(result), { ttlMs: storeTtl, bytes });
      } else {
        causes.lost(key, NOT_CACHEABLE);
        memo.uncacheable();
      }
    } else causes.lost(key, BYPASSED);
    return result;
  };

  const revalidate = (self: unknown, key: Key, args: ArrayLike<unknown>): void => {
    if (refreshing.has(key)) return;
    refreshing.add(key);
    const done = (): void => { refreshing.delete(key); };
    setImmediate(() => {
      try {
        const r = compute(self, key, args, true, EXPIRED);
        if (isThenable(r)) r.then(done, done);
        else done();
      } catch {
        done(); // the stale value stays until it expires; the next stale hit tries again
      }
    });
  };

  /** A hit on a wrapped value (cacheErrors / staleWhileRevalidate). */
  const unwrap = (self: unknown, key: Key, held: unknown, args: ArrayLike<unknown>): unknown => {
    stats.hits++;
    if (held instanceof Thrown) throw held.error;
    if (held instanceof Timed) {
      if (held.staleAt <= now()) {
        stats.staleServed++;
        revalidate(self, key, args);
      }
      return held.value;
    }
    return held;
  };

  const lookup = (self: unknown, args: ArrayLike<unknown>): unknown => {
    const key = keyOf(self, args);
    const held = store.get(key);
    if (held !== MISS) {
      if (plain) {
        stats.hits++;
        return held;
      }
      return unwrap(self, key, held, args);
    }
    return compute(self, key, args);
  };

  let call: Fn;
  if (userKey !== undefined) {
    call = function memoized(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return lookup(this, arguments);
    };
  } else {
    /** One object argument, passed as itself (no arguments object): the by-value case. */
    const lookupObject = (self: unknown, a: object): unknown => {
      const key = objectKey(id, a);
      const held = store.get(key);
      if (held !== MISS) {
        if (plain) {
          stats.hits++;
          return held;
        }
        return unwrap(self, key, held, [a]);
      }
      return compute(self, key, [a]);
    };
    const pairKey = rememberPairs((a, b) => memoryKey(id, [a, b], 2));
    call = buildCallPath<Key>({ store, stats, plain, miss: MISS, lookup, pairKey, lookupObject, unwrap, compute });
  }

  return {
    call,
    store,
    keyOf,
    has: async (key) => store.has(key),
    delete: async (key) => {
      causes.lost(key, INVALIDATED);
      return { removed: store.delete(key), confirmed: true };
    },
    refresh: (self, key, args) => compute(self, key, args, false, BYPASSED),
    clear: async () => {
      causes.cleared();
      store.clear();
      return CONFIRMED;
    },
  };
}
