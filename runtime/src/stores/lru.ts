/**
 * The `lru` backend: lru-cache (least recently used eviction, per-entry TTL, byte bound) behind the
 * store contract, for when a strict, well-known LRU is wanted instead of the adaptive default.
 */
import { LRUCache } from 'lru-cache';
import { MISS, type EvictionCause, type Miss, type SetOptions, type StoreContext, type SyncStore } from './types.js';

/** Options of the `lru` backend. */
export interface LruStoreOptions {
  /** Capacity in entries (integer >= 1; `Infinity` is not allowed: use the `memory` backend). */
  max: number;
  /** Approximate capacity in bytes. Default: none. */
  maxBytes?: number;
}

type Key = string | number;
/** lru-cache cannot hold `undefined`; a cached `undefined` is stored as this marker. */
const UNDEFINED: unique symbol = Symbol('cachelens.undefined');
const CAUSE: Partial<Record<LRUCache.DisposeReason, EvictionCause>> = {
  evict: 'size',
  expire: 'expired',
  delete: 'explicit',
};

export class LruStore<V = unknown> implements SyncStore<V> {
  readonly sync = true;
  readonly kind = 'lru';
  readonly #lru: LRUCache<Key, NonNullable<V> | typeof UNDEFINED>;
  readonly #sized: boolean;
  readonly #now: () => number;
  /** No entry expires before this (a lower bound: exact after each purge). */
  #nextExpiry = Infinity;

  constructor(options: LruStoreOptions, context: StoreContext) {
    const events = context.events;
    this.#now = context.now;
    this.#sized = options.maxBytes !== undefined;
    this.#lru = new LRUCache<Key, NonNullable<V> | typeof UNDEFINED>({
      max: options.max,
      ...(options.maxBytes !== undefined ? { maxSize: options.maxBytes } : {}),
      // The injected clock, read on every TTL check (no cached timestamp that a fake clock would defeat).
      perf: { now: context.now },
      ttlResolution: 0,
      dispose: (_value, _key, reason) => {
        const cause = CAUSE[reason];
        if (cause !== undefined) events.evicted(cause, 1, 0);
      },
    });
  }

  get(key: Key): V | Miss {
    const v = this.#lru.get(key);
    if (v === undefined) return MISS;
    return (v === UNDEFINED ? undefined : v) as V;
  }

  has(key: Key): boolean {
    return this.#lru.has(key);
  }

  set(key: Key, value: V, options: SetOptions): void {
    this.#purgeExpired();
    if (options.ttlMs !== undefined && options.ttlMs > 0) this.#nextExpiry = Math.min(this.#nextExpiry, this.#now() + options.ttlMs);
    const stored = (value === undefined ? UNDEFINED : value) as NonNullable<V> | typeof UNDEFINED;
    const ttl = options.ttlMs;
    // No options object for the common write (no TTL, no byte bound): one allocation fewer per miss.
    if (ttl === undefined && !this.#sized) this.#lru.set(key, stored);
    else this.#lru.set(key, stored, this.#sized ? { ttl, size: Math.max(1, options.bytes ?? 1) } : { ttl });
  }

  delete(key: Key): boolean {
    this.#purgeExpired();
    return this.#lru.delete(key);
  }

  clear(): void {
    this.#purgeExpired();
    this.#lru.clear();
  }

  get size(): number {
    this.#purgeExpired();
    return this.#lru.size;
  }

  /**
   * Entries past their expiry leave (counted as expired) before any write, delete or clear and
   * before a reading: so an overwrite or an eviction for room never counts such an entry as
   * `explicit` or `size`, and reading the statistics changes no figure.
   */
  #purgeExpired(): void {
    // Nothing written with a TTL since the last purge: no clock reading (25-70 ns) per write.
    if (this.#nextExpiry === Infinity) return;
    const now = this.#now();
    if (this.#nextExpiry > now) return;
    this.#lru.purgeStale();
    let next = Infinity;
    for (const key of this.#lru.keys()) {
      const left = this.#lru.getRemainingTTL(key);
      if (left !== Infinity && now + left < next) next = now + left;
    }
    this.#nextExpiry = next;
  }

  get bytes(): number {
    return this.#sized ? this.#lru.calculatedSize : 0;
  }
}
