/**
 * The synchronous cell: a cache over an in-process store (memory), where a hit is answered in
 * the same tick. Its call path is a closure built once, with every option decided (see
 * `call-path.ts`); sync functions stay sync, promises are cached as promises (single flight), and
 * `cacheErrors`/`staleWhileRevalidate` wrap values in `Thrown`/`Timed`.
 */
import { buildCallPath } from '../call-path.js';
import type { ResolvedOptions } from '../options.js';
import { MISS, type SyncStore } from '../stores/types.js';
import { accepts, cellSettings, CONFIRMED, isThenable, userKeyToKey, valueBytes, type Cell, type DeleteResult, type Fn, type InvalidationResult, type Key } from './cell.js';
import { Thrown, Timed } from './envelopes.js';
import { BYPASSED, EXPIRED, INVALIDATED, NOT_CACHEABLE, type CellCauses } from '../stats-causes.js';
import type { Stats } from '../stats.js';
import type { Memo } from './memo.js';
import { memoryKey, objectKey, rememberPairs, threeKey } from './memory-key.js';

/** `raw`: the store without the tracing wrapper, for the cell's own checks (not lookups, not recorded). */
export function syncCell(memo: Memo, r: ResolvedOptions, store: SyncStore, raw: SyncStore = store): Cell {
  const { stats, timer, fn, id, now, ttlMs, staleMs, storeTtl, cacheErrors, cacheIf, userKey, causes } = cellSettings(memo, r);
  const verifier = memo.verifier;
  /** Hits can return what the store holds as is (no Thrown/Timed wrappers to look at, no hit to verify). */
  const plain = !cacheErrors && staleMs === undefined && verifier === undefined;
  /** Keys being revalidated in the background (`staleWhileRevalidate`); made by the first one. */
  let refreshing: Set<Key> | undefined;

  const keyOf = (self: unknown, args: ArrayLike<unknown>): Key =>
    userKey !== undefined
      ? userKeyToKey(id, userKey.apply(self, Array.prototype.slice.call(args)), true)
      : memoryKey(id, args, args.length);

  const wrap = (value: unknown): unknown => (staleMs !== undefined ? new Timed(value, now() + ttlMs!) : value);

  const track = (key: Key, promise: PromiseLike<unknown>, t0: number | undefined, inFlightStored: boolean): PromiseLike<unknown> => {
    if (inFlightStored) store.set(key, wrap(promise), { ttlMs: storeTtl, bytes: 64 });
    promise.then((value) => {
      timer.stop(t0);
      const current = !inFlightStored || isCurrent(raw, key, promise);
      if (!current) return;
      if (cacheIf !== undefined && !accepts(memo, cacheIf, value)) {
        causes.lost(key, BYPASSED);
        return withdraw(store, stats, key);
      }
      const bytes = valueBytes(value);
      if (bytes !== undefined) {
        causes.wrote(key);
        verifier?.cached(promise, value);
        return store.set(key, wrap(promise), { ttlMs: storeTtl, bytes });
      }
      causes.lost(key, NOT_CACHEABLE);
      withdraw(store, stats, key);
      memo.uncacheable();
    }, () => {
      stats.errors++;
      timer.stop(t0);
      if (cacheErrors) causes.wrote(key);
      else causes.lost(key, NOT_CACHEABLE);
      if (inFlightStored && !cacheErrors && isCurrent(raw, key, promise)) withdraw(store, stats, key);
      else if (!inFlightStored && cacheErrors) store.set(key, wrap(promise), { ttlMs: storeTtl, bytes: 64 });
    });
    return promise;
  };

  /** A computation that threw: counted, kept as `Thrown` with cacheErrors, and rethrown. */
  const failed = (key: Key, error: unknown, t0: number | undefined): never => {
    stats.errors++;
    timer.stop(t0);
    if (cacheErrors) {
      causes.wrote(key);
      store.set(key, new Thrown(error), { ttlMs: storeTtl, bytes: 64 });
    } else causes.lost(key, NOT_CACHEABLE);
    throw error;
  };

  /** What a computation returned: stored (or, for a promise, tracked until it settles: single flight). */
  const settle = (key: Key, result: unknown, t0: number | undefined, background: boolean): unknown => {
    if (isThenable(result)) return track(key, result, t0, !background);
    timer.stop(t0);
    if (cacheIf === undefined || accepts(memo, cacheIf, result)) {
      const bytes = valueBytes(result);
      if (bytes !== undefined) {
        causes.wrote(key);
        verifier?.cached(result, result);
        store.set(key, wrap(result), { ttlMs: storeTtl, bytes });
      } else {
        causes.lost(key, NOT_CACHEABLE);
        memo.uncacheable();
      }
    } else causes.lost(key, BYPASSED);
    return result;
  };

  /** A miss: call the function, store what it returns (or the promise it returns, for single-flight). */
  const compute = (self: unknown, key: Key, args: ArrayLike<unknown>, background = false, cause?: number): unknown => {
    stats.misses++;
    causes.miss(key, cause);
    const t0 = timer.start();
    let result: unknown;
    try {
      result = fn.apply(self, args as unknown[]);
    } catch (error) {
      return failed(key, error, t0);
    }
    return settle(key, result, t0, background);
  };

  /** `compute` for the call path's one, two or three arguments, passed as themselves (no arguments array per miss). */
  const computeFew = (self: unknown, key: Key, n: number, a: unknown, b: unknown, c?: unknown): unknown => {
    stats.misses++;
    causes.miss(key, undefined);
    const t0 = timer.start();
    let result: unknown;
    try {
      result = n === 1 ? fn.call(self, a) : n === 2 ? fn.call(self, a, b) : fn.call(self, a, b, c);
    } catch (error) {
      return failed(key, error, t0);
    }
    return settle(key, result, t0, false);
  };

  // Made only where they can run (a stale window, a verifier, a hit that is not plain): one
  // closure fewer each for a function at default options.
  const revalidate = staleMs === undefined ? undefined : (self: unknown, key: Key, args: ArrayLike<unknown>): void => {
    const busy = (refreshing ??= new Set());
    if (busy.has(key)) return;
    busy.add(key);
    const done = (): void => { busy.delete(key); };
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

  /** Whether a verify check of `key` must wait: the key is being refreshed, or `value` is no longer its value. */
  const verifyBusy = verifier === undefined ? undefined : (key: Key, value: unknown): boolean => {
    if (refreshing?.has(key) === true || !raw.has(key)) return true;
    const held = raw.get(key);
    return (held instanceof Timed ? held.value : held) !== value;
  };

  /** A hit that is not plain: a wrapped value (cacheErrors / staleWhileRevalidate), or one to verify. */
  const unwrap = plain ? notPlain : (self: unknown, key: Key, held: unknown, args: ArrayLike<unknown>): unknown => {
    stats.hits++;
    if (verifier !== undefined && !(held instanceof Thrown)) verifier.hit(self, key, held instanceof Timed ? held.value : held, args, verifyBusy!);
    if (held instanceof Thrown) throw held.error;
    if (held instanceof Timed) {
      if (held.staleAt <= now()) {
        stats.staleServed++;
        revalidate!(self, key, args);
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
      return computeFew(self, key, 1, a, undefined);
    };
    /** Three arguments, passed as themselves: keyed without an array, computed without one. */
    const lookupThree = (self: unknown, a: unknown, b: unknown, c: unknown): unknown => {
      const key = threeKey(id, a, b, c);
      const held = store.get(key);
      if (held !== MISS) {
        if (plain) {
          stats.hits++;
          return held;
        }
        return unwrap(self, key, held, [a, b, c]);
      }
      return computeFew(self, key, 3, a, b, c);
    };
    const pairKey = rememberPairs((a, b) => memoryKey(id, [a, b], 2));
    call = buildCallPath<Key>({ store, stats, plain, miss: MISS, lookup, pairKey, lookupObject, lookupThree, unwrap, compute: computeFew });
  }

  return new SyncCell(call, store, keyOf, compute, causes);
}

/** Whether `promise` is still what `raw` holds for `key` (as is, or in a `Timed`). */
function isCurrent(raw: SyncStore, key: Key, promise: unknown): boolean {
  const held = raw.has(key) ? raw.get(key) : MISS;
  return held === promise || (held instanceof Timed && held.value === promise);
}

/** Removes an entry that never became a value (a rejected or refused promise): not an eviction. */
function withdraw(store: SyncStore, stats: Stats, key: Key): void {
  if (store.delete(key)) stats.evictedExplicit--;
}

/** `unwrap` of a cell whose hits are plain: the call paths return those hits themselves. */
function notPlain(): never {
  throw new Error('cachelens: internal error: a plain hit was unwrapped');
}

type Compute = (self: unknown, key: Key, args: ArrayLike<unknown>, background?: boolean, cause?: number) => unknown;

/** The synchronous cell as `Memo`, `cacheOf` and the methods see it (its methods shared, not closures per cell). */
class SyncCell implements Cell {
  readonly call: Fn;
  readonly store: SyncStore;
  readonly keyOf: (self: unknown, args: ArrayLike<unknown>) => Key;
  readonly #compute: Compute;
  readonly #causes: CellCauses;

  constructor(call: Fn, store: SyncStore, keyOf: (self: unknown, args: ArrayLike<unknown>) => Key, compute: Compute, causes: CellCauses) {
    this.call = call;
    this.store = store;
    this.keyOf = keyOf;
    this.#compute = compute;
    this.#causes = causes;
  }

  async has(key: Key): Promise<boolean> {
    return this.store.has(key);
  }

  async delete(key: Key): Promise<DeleteResult> {
    this.#causes.lost(key, INVALIDATED);
    return { removed: this.store.delete(key), confirmed: true };
  }

  refresh(self: unknown, key: Key, args: ArrayLike<unknown>): unknown {
    return this.#compute(self, key, args, false, BYPASSED);
  }

  async clear(): Promise<InvalidationResult> {
    this.#causes.cleared();
    this.store.clear();
    return CONFIRMED;
  }
}
