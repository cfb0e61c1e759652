/**
 * The synchronous cell: a cache over an in-process store (memory), where a hit is answered in
 * the same tick. Its call path is compiled once, with every option decided (see `call-path.ts`),
 * and goes to the cell's methods for everything but a plain hit; sync functions stay sync,
 * promises are cached as promises (single flight), and `cacheErrors`/`staleWhileRevalidate` wrap
 * values in `Thrown`/`Timed`. One object per cell, its methods shared: a memoized function holds
 * no closure per path (each would cost ~60 bytes and a share of a context).
 */
import { buildCallPath, type CallPathTargets } from '../call-path.js';
import type { ResolvedOptions } from '../options.js';
import { MISS, type SyncStore } from '../stores/types.js';
import { accepts, cellSettings, CONFIRMED, type CellSettings, isThenable, userKeyToKey, valueBytes, type Cell, type DeleteResult, type Fn, type InvalidationResult, type Key } from './cell.js';
import { Thrown, Timed } from './envelopes.js';
import { BYPASSED, EXPIRED, INVALIDATED, NOT_CACHEABLE } from '../stats-causes.js';
import type { Stats } from '../stats.js';
import type { Memo } from './memo.js';
import { memoryKey, objectKey, PairKeys, threeKey } from './memory-key.js';
import type { VerifyBusy } from './verify.js';

/** `raw`: the store without the tracing wrapper, for the cell's own checks (not lookups, not recorded). */
export function syncCell(memo: Memo, r: ResolvedOptions, store: SyncStore, raw: SyncStore = store): Cell {
  return new SyncCell(memo, r, store, raw);
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

/** A call path that keys every call through the general path (a `key` option decides the key). */
function generalCall(cell: CallPathTargets<Key>): Fn {
  return function memoized(this: unknown) {
    // eslint-disable-next-line prefer-rest-params
    return cell.lookup(this, arguments);
  };
}

/** The synchronous cell (see the top of the file). */
class SyncCell implements Cell, CallPathTargets<Key> {
  readonly call: Fn;
  readonly store: SyncStore;
  readonly #memo: Memo;
  /** The store without the tracing wrapper (see `syncCell`). */
  readonly #raw: SyncStore;
  /** What the cell reads from its memo and options (`cellSettings`), as they were when it was made. */
  readonly #s: CellSettings;
  /** `#s.stats` and `#s.id`, read on the one-object and three-argument hits: a load fewer there. */
  readonly #stats: Stats;
  readonly #id: string;
  /** Hits can return what the store holds as is (no Thrown/Timed wrappers to look at, no hit to verify). */
  readonly #plain: boolean;
  /** The joined keys of two-string calls. */
  readonly #pairs = new PairKeys<Key>();
  /** Keys being revalidated in the background (`staleWhileRevalidate`); made by the first one. */
  #refreshing: Set<Key> | undefined;
  /** `#verifyBusy` as the verifier takes it; made by the first verified hit. */
  #busy: VerifyBusy | undefined;

  constructor(memo: Memo, r: ResolvedOptions, store: SyncStore, raw: SyncStore) {
    const settings = cellSettings(memo, r);
    this.store = store;
    this.#memo = memo;
    this.#raw = raw;
    this.#s = settings;
    this.#stats = settings.stats;
    this.#id = settings.id;
    this.#plain = !settings.cacheErrors && settings.staleMs === undefined && settings.verifier === undefined;
    this.call = settings.userKey !== undefined ? generalCall(this)
      : buildCallPath<Key>({ store, stats: settings.stats, plain: this.#plain, miss: MISS, targets: this, fn: settings.fn }, settings.fn);
  }

  keyOf(self: unknown, args: ArrayLike<unknown>): Key {
    const userKey = this.#s.userKey;
    return userKey !== undefined
      ? userKeyToKey(this.#id, userKey.apply(self, Array.prototype.slice.call(args)), true)
      : memoryKey(this.#id, args, args.length);
  }

  #wrap(value: unknown): unknown {
    return this.#s.staleMs !== undefined ? new Timed(value, this.#s.now() + this.#s.ttlMs!) : value;
  }

  #track(key: Key, promise: PromiseLike<unknown>, t0: number | undefined, inFlightStored: boolean): PromiseLike<unknown> {
    const { store } = this;
    if (inFlightStored) store.set(key, this.#wrap(promise), { ttlMs: this.#s.storeTtl, bytes: 64 });
    promise.then((value) => {
      this.#s.timer.stop(t0);
      const current = !inFlightStored || isCurrent(this.#raw, key, promise);
      if (!current) return;
      if (this.#s.cacheIf !== undefined && !accepts(this.#memo, this.#s.cacheIf, value)) {
        this.#s.causes.lost(key, BYPASSED);
        return withdraw(store, this.#stats, key);
      }
      const bytes = valueBytes(value);
      if (bytes !== undefined) {
        this.#s.causes.wrote(key);
        this.#s.verifier?.cached(promise, value);
        return store.set(key, this.#wrap(promise), { ttlMs: this.#s.storeTtl, bytes });
      }
      this.#s.causes.lost(key, NOT_CACHEABLE);
      withdraw(store, this.#stats, key);
      this.#memo.uncacheable();
    }, () => {
      this.#stats.errors++;
      this.#s.timer.stop(t0);
      if (this.#s.cacheErrors) this.#s.causes.wrote(key);
      else this.#s.causes.lost(key, NOT_CACHEABLE);
      if (inFlightStored && !this.#s.cacheErrors && isCurrent(this.#raw, key, promise)) withdraw(store, this.#stats, key);
      else if (!inFlightStored && this.#s.cacheErrors) store.set(key, this.#wrap(promise), { ttlMs: this.#s.storeTtl, bytes: 64 });
    });
    return promise;
  }

  /** A computation that threw: counted, kept as `Thrown` with cacheErrors, and rethrown. */
  #failed(key: Key, error: unknown, t0: number | undefined): never {
    this.#stats.errors++;
    this.#s.timer.stop(t0);
    if (this.#s.cacheErrors) {
      this.#s.causes.wrote(key);
      this.store.set(key, new Thrown(error), { ttlMs: this.#s.storeTtl, bytes: 64 });
    } else this.#s.causes.lost(key, NOT_CACHEABLE);
    throw error;
  }

  /** What a computation returned: stored (or, for a promise, tracked until it settles: single flight). */
  #settle(key: Key, result: unknown, t0: number | undefined, background: boolean): unknown {
    if (isThenable(result)) return this.#track(key, result, t0, !background);
    this.#s.timer.stop(t0);
    if (this.#s.cacheIf === undefined || accepts(this.#memo, this.#s.cacheIf, result)) {
      const bytes = valueBytes(result);
      if (bytes !== undefined) {
        this.#s.causes.wrote(key);
        this.#s.verifier?.cached(result, result);
        this.store.set(key, this.#wrap(result), { ttlMs: this.#s.storeTtl, bytes });
      } else {
        this.#s.causes.lost(key, NOT_CACHEABLE);
        this.#memo.uncacheable();
      }
    } else this.#s.causes.lost(key, BYPASSED);
    return result;
  }

  /** A miss: call the function, store what it returns (or the promise it returns, for single-flight). */
  #compute(self: unknown, key: Key, args: ArrayLike<unknown>, background = false, cause?: number): unknown {
    this.#stats.misses++;
    this.#s.causes.miss(key, cause);
    const t0 = this.#s.timer.start();
    let result: unknown;
    try {
      result = this.#s.fn.apply(self, args as unknown[]);
    } catch (error) {
      return this.#failed(key, error, t0);
    }
    return this.#settle(key, result, t0, background);
  }

  /** A miss the call path computes itself (`CallPathTargets.beginMiss`): counted, classified, its timer started. */
  beginMiss(key: Key): number | undefined {
    this.#stats.misses++;
    this.#s.causes.miss(key, undefined);
    return this.#s.timer.start();
  }

  /** What the call path's own computation returned (`CallPathTargets.settle`). */
  settle(key: Key, result: unknown, started: number | undefined): unknown {
    return this.#settle(key, result, started, false);
  }

  /** What the call path's own computation threw (`CallPathTargets.failed`): counted, thrown on. */
  failed(key: Key, error: unknown, started: number | undefined): never {
    return this.#failed(key, error, started);
  }

  /** A stale hit (`staleWhileRevalidate`): the value is computed again in the background, once per key at a time. */
  #revalidate(self: unknown, key: Key, args: ArrayLike<unknown>): void {
    const busy = (this.#refreshing ??= new Set());
    if (busy.has(key)) return;
    busy.add(key);
    const done = (): void => { busy.delete(key); };
    setImmediate(() => {
      try {
        const r = this.#compute(self, key, args, true, EXPIRED);
        if (isThenable(r)) r.then(done, done);
        else done();
      } catch {
        done(); // the stale value stays until it expires; the next stale hit tries again
      }
    });
  }

  /** Whether a verify check of `key` must wait: the key is being refreshed, or `value` is no longer its value. */
  #verifyBusy(key: Key, value: unknown): boolean {
    if (this.#refreshing?.has(key) === true || !this.#raw.has(key)) return true;
    const held = this.#raw.get(key);
    return (held instanceof Timed ? held.value : held) !== value;
  }

  /** A hit that is not plain: a wrapped value (cacheErrors / staleWhileRevalidate), or one to verify. */
  unwrap(self: unknown, key: Key, held: unknown, args: ArrayLike<unknown>): unknown {
    this.#stats.hits++;
    const verifier = this.#s.verifier;
    if (verifier !== undefined && !(held instanceof Thrown)) {
      verifier.hit(self, key, held instanceof Timed ? held.value : held, args, (this.#busy ??= (k, v) => this.#verifyBusy(k as Key, v)));
    }
    if (held instanceof Thrown) throw held.error;
    if (held instanceof Timed) {
      if (held.staleAt <= this.#s.now()) {
        this.#stats.staleServed++;
        this.#revalidate(self, key, args);
      }
      return held.value;
    }
    return held;
  }

  /**
   * The general path. A miss is computed here, in this frame, as in `lookupObject` and
   * `lookupThree`: a method of its own for it would be one more stack frame in every level of a
   * memoized function that calls itself (`CallPathParts.fn`).
   */
  lookup(self: unknown, args: ArrayLike<unknown>): unknown {
    const key = this.keyOf(self, args);
    const held = this.store.get(key);
    if (held !== MISS) {
      if (this.#plain) {
        this.#stats.hits++;
        return held;
      }
      return this.unwrap(self, key, held, args);
    }
    const started = this.beginMiss(key);
    let result: unknown;
    try {
      result = this.#s.fn.apply(self, args as unknown[]);
    } catch (error) {
      return this.#failed(key, error, started);
    }
    return this.#settle(key, result, started, false);
  }

  /** One object argument, passed as itself (no arguments object): the by-value case. */
  lookupObject(self: unknown, a: object): unknown {
    const key = objectKey(this.#id, a);
    const held = this.store.get(key);
    if (held !== MISS) {
      if (this.#plain) {
        this.#stats.hits++;
        return held;
      }
      return this.unwrap(self, key, held, [a]);
    }
    const started = this.beginMiss(key);
    let result: unknown;
    try {
      result = this.#s.fn.call(self, a);
    } catch (error) {
      return this.#failed(key, error, started);
    }
    return this.#settle(key, result, started, false);
  }

  /** Three arguments, passed as themselves: keyed without an array, computed without one. */
  lookupThree(self: unknown, a: unknown, b: unknown, c: unknown): unknown {
    const key = threeKey(this.#id, a, b, c);
    const held = this.store.get(key);
    if (held !== MISS) {
      if (this.#plain) {
        this.#stats.hits++;
        return held;
      }
      return this.unwrap(self, key, held, [a, b, c]);
    }
    const started = this.beginMiss(key);
    let result: unknown;
    try {
      result = this.#s.fn.call(self, a, b, c);
    } catch (error) {
      return this.#failed(key, error, started);
    }
    return this.#settle(key, result, started, false);
  }

  pairKey(a: string, b: string): Key {
    return this.#pairs.find(a, b) ?? this.#pairs.remember(a, b, memoryKey(this.#id, [a, b], 2));
  }

  async has(key: Key): Promise<boolean> {
    return this.store.has(key);
  }

  async delete(key: Key): Promise<DeleteResult> {
    this.#s.causes.lost(key, INVALIDATED);
    return { removed: this.store.delete(key), confirmed: true };
  }

  refresh(self: unknown, key: Key, args: ArrayLike<unknown>): unknown {
    return this.#compute(self, key, args, false, BYPASSED);
  }

  async clear(): Promise<InvalidationResult> {
    this.#s.causes.cleared();
    this.store.clear();
    return CONFIRMED;
  }
}
