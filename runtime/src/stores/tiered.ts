/**
 * The two-tier store: an in-process L1 (the runtime's `MemoryStore`) in front of the Redis store
 * (L2), kept coherent across processes by Redis pub/sub.
 *
 * - Reads: L1, else L2 (and the value is kept in L1). `peek` answers from L1 synchronously, so
 *   memoize can serve L1 hits at in-memory cost.
 * - Writes, deletes and clears go to L2 first, then a message on the prefix's invalidation channel
 *   tells every other process to drop the key (or, for a clear, its whole L1 for the function).
 * - Staleness window: the pub/sub delivery time (`docs/benchmarks.md (backends section)` has the measured
 *   figure; a few ms on one network). If a message is lost (the subscriber reconnects), every L1
 *   is emptied on reconnect, and while the subscriber is down L1 is not filled at all; as a last
 *   bound, no L1 entry lives longer than `l1.ttlMs`.
 * - A read of L2 that overlaps an invalidation of the same function does not fill L1, so an old
 *   value read just before a write cannot settle in L1 after the write's message.
 */
import { MemoryStore } from './memory.js';
import { MISS } from './types.js';
import type { AsyncStore, BackendConfig, BackendHealth, Miss, SetOptions, StoreContext, StoreFactory, StoreLock } from './types.js';
import { BackendConfigError } from './remote/errors.js';
import { RedisStore, type InvalidationMessage, type RedisBackendConfig } from './redis.js';

/** The `backends.NAME` entry for `"type": "tiered"`: every Redis option, plus the L1's. */
export interface TieredBackendConfig extends RedisBackendConfig {
  l1?: {
    /** Entries held in process per function. Default: 1000. */
    max?: number;
    /** Bytes held in process per function (approximate). Default: no bound. */
    maxBytes?: number;
    /** Longest time an entry stays in L1, in ms, whatever its TTL in L2. Default: 10000. */
    ttlMs?: number;
  };
}

const noEvents = { evicted: () => undefined };

export class TieredStore<V = unknown> implements AsyncStore<V> {
  readonly sync = false;
  readonly kind = 'tiered';
  readonly #l1: MemoryStore<V>;
  readonly #l2: RedisStore<V>;
  readonly #l1Ttl: number;
  readonly #unlisten: () => void;
  readonly #namespace: string;
  readonly #context: StoreContext;
  /** Bumped by every invalidation of this function (ours or another process's). */
  #epoch = 0;

  constructor(config: TieredBackendConfig, context: StoreContext) {
    if (config.invalidation === false) throw new BackendConfigError('tiered', 'invalidation', 'cannot be false: the two-tier store needs pub/sub to keep L1 coherent.');
    const l1 = config.l1 ?? {};
    const ttl = l1.ttlMs ?? 10_000;
    if (typeof ttl !== 'number' || !(ttl > 0)) throw new BackendConfigError('tiered', 'l1.ttlMs', `must be a number of milliseconds > 0, got ${JSON.stringify(ttl)}.`);
    this.#l1Ttl = ttl;
    this.#namespace = context.namespace;
    this.#context = context;
    // L1 evictions lose nothing (L2 still holds the value): they are not the function's evictions.
    this.#l1 = new MemoryStore<V>({ max: l1.max ?? 1000, ...(l1.maxBytes !== undefined ? { maxBytes: l1.maxBytes } : {}) }, { ...context, events: noEvents }, 'tiered-l1');
    this.#l2 = new RedisStore<V>(config, context);
    this.#unlisten = this.#l2.connection.listen(context.namespace, this.#listener);
  }

  readonly #listener = (message: InvalidationMessage): void => this.#invalidate(message);

  #invalidate(message: InvalidationMessage): void {
    this.#epoch++;
    if (message.k === undefined) this.#l1.clear(); // a clear, or the subscriber reconnected
    else for (const key of message.k) this.#l1.delete(key);
  }

  get health(): BackendHealth {
    return this.#l2.health;
  }

  get size(): number {
    return this.#l1.size;
  }

  /** L1 only, synchronous. */
  peek(key: string): V | Miss {
    return this.#l1.get(key);
  }

  #fill(key: string, value: V, ttlMs: number | undefined): void {
    if (!this.#l2.connection.listening) return; // no invalidations arrive: L1 could go stale
    this.#l1.set(key, value, { ttlMs: ttlMs === undefined ? this.#l1Ttl : Math.min(ttlMs, this.#l1Ttl) });
  }

  async get(key: string): Promise<V | Miss> {
    const held = this.#l1.get(key);
    if (held !== MISS) return held;
    const epoch = this.#epoch;
    const value = await this.#l2.get(key);
    if (value !== MISS && epoch === this.#epoch) this.#fill(key, value, undefined);
    return value;
  }

  async set(key: string, value: V, options: SetOptions): Promise<void> {
    this.#epoch++;
    this.#l1.delete(key);
    await this.#l2.set(key, value, options);
    this.#fill(key, value, options.ttlMs);
    await this.#l2.connection.publish(this.#context.events, { ns: this.#namespace, k: [key] }, this.#listener);
  }

  async has(key: string): Promise<boolean> {
    return this.#l1.has(key) || this.#l2.has(key);
  }

  async delete(key: string): Promise<boolean> {
    this.#epoch++;
    this.#l1.delete(key);
    const removed = await this.#l2.delete(key);
    await this.#l2.connection.publish(this.#context.events, { ns: this.#namespace, k: [key] }, this.#listener);
    return removed;
  }

  async clear(): Promise<void> {
    this.#epoch++;
    this.#l1.clear();
    await this.#l2.clear(); // publishes the new generation; other processes empty their L1
  }

  /** Removes tagged entries from Redis; every process's L1 (this one's too) drops them on the message. */
  invalidateTags(tags: readonly string[]): Promise<number> {
    return this.#l2.invalidateTags(tags);
  }

  lock(key: string, ttlMs: number): Promise<StoreLock> {
    return this.#l2.lock(key, ttlMs);
  }

  async close(): Promise<void> {
    this.#unlisten();
    this.#l1.clear();
    await this.#l2.close();
  }
}

/** `StoreFactory` for `"type": "tiered"`. Loads ioredis on first call. */
export const createTieredStore: StoreFactory = (config: BackendConfig, context: StoreContext) =>
  new TieredStore(config as TieredBackendConfig, context);

/** The name the backend registry (`backends.ts`) looks for when it loads this module. */
export const createStore: StoreFactory = createTieredStore;
