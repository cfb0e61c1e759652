/**
 * A cell: one cache (a store and the call path over it), as `Memo`, `cacheOf` and the methods see
 * it, whatever the kind of store; and what both kinds of cell (synchronous, asynchronous) share:
 * their settings, the user's key and `cacheIf`, invalidation results, the cell of a memo that
 * could not be resolved. Kept apart so the two cells depend on this, not on each other.
 */
import { canonicalValue } from '../keys.js';
import { flat } from './memory-key.js';
import { approxBytes } from '../units.js';
import type { ResolvedOptions } from '../options.js';
import { MISS, type Store, type SyncStore } from '../stores/types.js';
import type { Memo } from './memo.js';
import { warnOnce } from './warnings.js';

export type Key = string | number;
export type Fn = (this: unknown, ...args: unknown[]) => unknown;

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
  try {
    return typeof (v as { then?: unknown }).then === 'function';
  } catch {
    return false; // a revoked Proxy, a throwing `then` getter: a value, not a promise (and not measurable)
  }
}

/** One cache: a store and the call path over it. */
export interface Cell {
  readonly call: Fn;
  readonly store: Store;
  keyOf(self: unknown, args: ArrayLike<unknown>): Key;
  has(key: Key): Promise<boolean>;
  delete(key: Key): Promise<DeleteResult>;
  /** Computes and stores, ignoring what is cached. */
  refresh(self: unknown, key: Key, args: ArrayLike<unknown>): unknown;
  clear(): Promise<InvalidationResult>;
}

export const CONFIRMED: InvalidationResult = Object.freeze({ confirmed: true });
export const UNCONFIRMED: InvalidationResult = Object.freeze({ confirmed: false });

/** What a store says after a clear: confirmed unless it is still retrying an invalidation. */
export function invalidationOf(store: Store): InvalidationResult {
  return !store.sync && store.invalidationPending === true ? UNCONFIRMED : CONFIRMED;
}

/** What `cacheOf(fn).clear()` resolves with. */
export interface InvalidationResult {
  /**
   * True when every tier holding shared entries acknowledged the invalidation. False when a shared
   * backend did not answer (hung, down): the store keeps retrying in the background until it does
   * (other processes drop the old value once it answers, within `l1.ttlMs` for two tiers), and
   * this process reads nothing the invalidation covers from the server meanwhile.
   */
  readonly confirmed: boolean;
}

/** What `cacheOf(fn).delete(...args)` resolves with. */
export interface DeleteResult extends InvalidationResult {
  /** True when an entry for the arguments was there and was removed now. */
  readonly removed: boolean;
}

export function failingCell(memo: Memo, error: unknown = memo.failure): Cell {
  const fail = (): never => { throw error; };
  const store: SyncStore = {
    sync: true, kind: 'unavailable', size: 0, bytes: 0,
    get: () => MISS, set: () => undefined, has: () => false, delete: () => false, clear: () => undefined,
  };
  return { call: fail, store, keyOf: fail, has: fail, delete: fail, refresh: fail, clear: async () => CONFIRMED };
}

/** `approxBytes(v)`, without its walk (and its allocations) for the commonest results, a number or a string. */
export function valueBytes(v: unknown): number | undefined {
  return typeof v === 'number' ? 8 : typeof v === 'string' ? 16 + 2 * v.length : approxBytes(v);
}

/** Calls the user's `cacheIf`; a predicate that throws means "do not cache" (and is reported once). */
export function accepts(memo: Memo, predicate: (result: never) => boolean, value: unknown): boolean {
  try {
    return predicate(value as never) === true;
  } catch (error) {
    warnOnce('CACHELENS_CACHEIF', memo.id, () => `cachelens: cacheIf of "${memo.id}" threw (${String(error)}); the result was not cached.`);
    return false;
  }
}

/** The store key of what a user's `key` option returned; in memory a joined string is made flat (see `flat`). */
export function userKeyToKey(id: string, value: unknown, inMemory: boolean): Key {
  if (typeof value === 'number') return inMemory ? value : String(value);
  const text = typeof value === 'string' ? value : canonicalValue(id, value);
  return inMemory ? flat(text) : text;
}

/** What both kinds of cell read from their memo: the asynchronous cell as locals, the synchronous one as a field. */
export type CellSettings = ReturnType<typeof cellSettings>;

/** What both kinds of cell read from their memo, as locals (the call paths close over them). */
export function cellSettings(memo: Memo, r: ResolvedOptions) {
  const { ttlMs, staleMs } = r;
  return {
    stats: memo.stats,
    elapsed: memo.elapsed,
    timer: memo.timer,
    fn: memo.fn,
    id: memo.id,
    now: memo.now,
    ttlMs,
    staleMs,
    /** How long the store keeps an entry: the ttl, plus the stale window. */
    storeTtl: staleMs !== undefined && ttlMs !== undefined ? ttlMs + staleMs : ttlMs,
    cacheErrors: r.cacheErrors,
    cacheIf: memo.options.cacheIf as ((result: never) => boolean) | undefined,
    userKey: memo.options.key as ((this: unknown, ...args: unknown[]) => unknown) | undefined,
    causes: memo.causes!.forCell(memo.now),
    verifier: memo.verifier,
  };
}
