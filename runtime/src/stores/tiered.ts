/**
 * The two-tier store: an in-process L1 (the runtime's `MemoryStore`) in front of the Redis store
 * (L2), kept coherent across processes by Redis pub/sub.
 *
 * - Reads: L1, else L2 (and the value is kept in L1). `peek` answers from L1 synchronously, and
 *   `settled` serves memoize's call path: an L1 hit returns the entry's settled promise (made
 *   once, when the entry is filled), so a hit through memoize costs what a hit of the same async
 *   function costs on the memory backend: no key text, no allocation.
 * - L1 keys: `tierKey(key)` of the store key (see there); messages carry store keys, so every
 *   process maps them the same way.
 * - Writes, deletes and clears go to L2 first, then a message on the prefix's invalidation channel
 *   tells every other process to drop the key (or, for a clear, its whole L1 for the function).
 *   This process's L1 drops it at once, before Redis is asked. A delete or clear that Redis does
 *   not acknowledge (hung, down) is retried until it does, at least every `l1.ttlMs / 4` (at most
 *   1 s); until then this process reads nothing it covers from Redis, and other processes, which
 *   only hear through Redis, drop their copies when the retry's message arrives.
 * - Staleness window: the pub/sub delivery time (`docs/benchmarks.md (backends section)` has the measured
 *   figure; a few ms on one network). If a message is lost (the subscriber reconnects), every L1
 *   is emptied on reconnect, and while the subscriber is down L1 is not filled at all; as a last
 *   bound, no L1 entry lives longer than `l1.ttlMs`: the whole L1 is emptied every `l1.ttlMs`
 *   (an unref'd timer), and the function's generation is re-read then (L1 is refilled only from
 *   reads made with it, so a clear whose message was lost is seen within one period). So entries
 *   need no TTL of their own, and their hits read no clock, unless the value's TTL is shorter than
 *   `l1.ttlMs`; such entries expire on the context's clock (which memoize gives as its tick clock,
 *   or the injected one, read exactly).
 * - A read of L2 that overlaps an invalidation of the same function does not fill L1, so an old
 *   value read just before a write cannot settle in L1 after the write's message.
 */
import { performance } from 'node:perf_hooks';
import { internalized } from '../call-path.js';
import { flat, isOwnKey } from '../memoize/memory-key.js';
import { MemoryStore } from './memory.js';
import { MISS } from './types.js';
import type { AsyncStore, BackendConfig, BackendHealth, Miss, SetOptions, SettledTier, StoreContext, StoreFactory, StoreLock } from './types.js';
import { BackendConfigError } from './remote/errors.js';
import { bytesRangeProblem, entriesProblem, timerProblem } from '../limits.js';
import { approxBytes, parseByteSize, type ByteSize } from '../units.js';
import { RedisStore, type RedisBackendConfig } from './redis.js';
import type { InvalidationMessage } from './redis-connection.js';
import { notCacheableReason } from './serialize.js';

/** The `backends.NAME` entry for `"type": "tiered"`: every Redis option, plus the L1's. */
export interface TieredBackendConfig extends RedisBackendConfig {
  l1?: {
    /** Entries held in process per function: an integer from 1 to 16,777,216. Default: 1000. */
    max?: number;
    /** Bytes held in process per function (approximate): bytes or `"64MB"`. Default: no bound. */
    maxBytes?: ByteSize;
    /**
     * Longest time an entry stays in L1, in ms (1 to 2^31 - 1), whatever its TTL in L2: L1 is
     * emptied this often. The bound on staleness should an invalidation message be lost. Default: 10000.
     */
    ttlMs?: number;
  };
}

const noEvents = { evicted: () => undefined };

/**
 * The L1 key of a store key, injective and pure (every process maps a message's keys the same way):
 * - the key of one number argument (`String(n)`, canonical) is the number `n`;
 * - the key of one string argument (`JSON.stringify(s)`) is `s` itself when `isOwnKey(s)` (the rule
 *   `memoryKey` and the call path use: first char above `\u0002`, below `\u0080` but not `{`, or
 *   above `\u00ff`);
 * - a key starting with `{` (a plain object first) is itself: no string of the previous case starts so;
 * - any other key is `\u0000` + the key.
 * The first two are what memoize's call path computes inline, so hot calls build no key text.
 */
export function tierKey(key: string): string | number {
  const c = key.charCodeAt(0);
  if (c === 34) {
    const s = singleJsonString(key);
    if (s !== undefined && isOwnKey(s)) return s;
  } else if ((c >= 48 && c <= 57) || c === 45 || c === 73 || c === 78) { // digit, '-', 'Infinity', 'NaN'
    const n = Number(key);
    if (String(n) === key) return n;
  } else if (c === 123) {
    return key;
  }
  return flat('\u0000' + key);
}

/** `s` when `key` is exactly `JSON.stringify(s)` for a string `s`, else undefined. */
function singleJsonString(key: string): string | undefined {
  // Several arguments starting with a string ('"a","b"') are the common other case: find the end
  // of the first literal without parsing (and without an exception per call).
  let i = 1;
  while (i < key.length) {
    const c = key.charCodeAt(i);
    if (c === 92) i += 2;
    else if (c === 34) break;
    else i++;
  }
  if (i !== key.length - 1) return undefined;
  let s: unknown;
  try {
    s = JSON.parse(key);
  } catch {
    return undefined;
  }
  return typeof s === 'string' && JSON.stringify(s) === key ? s : undefined;
}

/** An L1 entry: the value, and the settled promise every hit through memoize returns. */
class Held<V> {
  readonly promise: Promise<V>;
  constructor(readonly value: V) {
    this.promise = Promise.resolve(value);
  }
}

export class TieredStore<V = unknown> implements AsyncStore<V> {
  readonly sync = false;
  readonly kind = 'tiered';
  readonly #l1: MemoryStore<Held<V>>;
  readonly #l2: RedisStore<V>;
  readonly #l1Ttl: number;
  /** `allowClassInstances`: L1 accepts what the codec accepts. */
  readonly #lossy: boolean;
  /** `l1.maxBytes` bounds L1: entries are stored with their approximate size. */
  readonly #l1Sized: boolean;
  readonly #unlisten: () => void;
  /** Empties L1 every `l1.ttlMs`: the last-resort bound, without a clock read per hit. */
  readonly #sweep: NodeJS.Timeout;
  readonly #namespace: string;
  readonly #context: StoreContext;
  /** Bumped by every invalidation of this function (ours or another process's). */
  #epoch = 0;
  /** When L1 was last emptied by the sweep (`performance.now()`). */
  #sweptAt = -Infinity;
  readonly settled: SettledTier;

  constructor(config: TieredBackendConfig, context: StoreContext) {
    if (config.invalidation === false) throw new BackendConfigError('tiered', 'invalidation', 'cannot be false: the two-tier store needs pub/sub to keep L1 coherent.');
    const l1 = config.l1 ?? {};
    const ttl = l1.ttlMs ?? 10_000;
    // l1.ttlMs is the sweep timer's delay: past 2^31 - 1 ms a timer fires at once (L1 would empty every ms).
    const ttlProblem = timerProblem(ttl);
    if (ttlProblem !== undefined) throw new BackendConfigError('tiered', 'l1.ttlMs', `${ttlProblem}.`);
    const maxProblem = l1.max !== undefined ? entriesProblem(l1.max, false) : undefined;
    if (maxProblem !== undefined) throw new BackendConfigError('tiered', 'l1.max', `${maxProblem}.`);
    const l1Bytes = parseByteSize(l1.maxBytes);
    const bytesProblem = typeof l1Bytes === 'object' ? l1Bytes.problem : bytesRangeProblem(l1Bytes, l1.maxBytes);
    if (bytesProblem !== undefined) throw new BackendConfigError('tiered', 'l1.maxBytes', `${bytesProblem}.`);
    this.#l1Ttl = ttl;
    this.#lossy = config.allowClassInstances === true;
    this.#l1Sized = typeof l1Bytes === 'number' && l1Bytes !== Infinity;
    this.#namespace = context.namespace;
    this.#context = context;
    // L1 evictions lose nothing (L2 still holds the value): they are not the function's evictions.
    const store = new MemoryStore<Held<V>>({ max: l1.max ?? 1000, ...(typeof l1Bytes === 'number' ? { maxBytes: l1Bytes } : {}) },
      { ...context, events: noEvents }, 'tiered-l1');
    this.#l1 = store;
    this.settled = {
      keyOf: tierKey,
      get: (key: string | number): Promise<unknown> | Miss => {
        const held = store.get(key);
        return held === MISS ? MISS : held.promise;
      },
    };
    this.#sweep = setInterval(() => {
      store.clear();
      // A clear whose message never arrived (a stalled subscriber) changed the generation: re-read
      // it, and refill L1 only from reads made with a generation known since this sweep, so an old
      // value cannot settle in L1 again for another period.
      this.#sweptAt = performance.now();
      this.#l2.generationStale();
    }, ttl);
    this.#sweep.unref();
    // Unconfirmed invalidations are retried often enough that, once Redis answers, every process
    // hears of them well within one sweep period.
    this.#l2 = new RedisStore<V>(config, context, { announceDeletes: true, retryMaxDelayMs: Math.min(1000, ttl / 4) });
    this.#unlisten = this.#l2.connection.listen(context.namespace, this.#listener);
  }

  readonly #listener = (message: InvalidationMessage): void => this.#invalidate(message);

  #invalidate(message: InvalidationMessage): void {
    this.#epoch++;
    if (message.k === undefined) this.#l1.clear(); // a clear, or the subscriber reconnected
    else for (const key of message.k) this.#l1.delete(tierKey(key));
  }

  get health(): BackendHealth {
    return this.#l2.health;
  }

  get size(): number {
    return this.#l1.size;
  }

  /** L1 only, synchronous. */
  peek(key: string): V | Miss {
    const held = this.#l1.get(tierKey(key));
    return held === MISS ? MISS : held.value;
  }

  #fill(key: string, value: V, ttlMs: number | undefined): void {
    if (!this.#l2.connection.listening) return; // no invalidations arrive: L1 could go stale
    // Longer TTLs are cut by the sweep; only a shorter one needs the entry to expire by itself.
    // Key texts are stored as the engine's unique copies: a caller holding one too (memoize's
    // remembered pair keys) then finds the entry by identity, without comparing characters.
    const tierKeyOf = tierKey(key);
    // Sized only when l1.maxBytes bounds L1 (else sizes are not read): a bounded walk of the value.
    const sized = this.#l1Sized ? { bytes: approxBytes(value) ?? 0 } : {};
    this.#l1.set(typeof tierKeyOf === 'string' ? internalized(tierKeyOf) : tierKeyOf, new Held(value),
      ttlMs !== undefined && ttlMs < this.#l1Ttl ? { ttlMs, ...sized } : sized);
  }

  async get(key: string): Promise<V | Miss> {
    const held = this.#l1.get(tierKey(key));
    if (held !== MISS) return held.value;
    const epoch = this.#epoch;
    // Read before the L2 read starts (which takes the generation synchronously).
    const generationKnown = this.#l2.generationAt >= this.#sweptAt;
    const value = await this.#l2.get(key);
    if (value !== MISS && epoch === this.#epoch && generationKnown) this.#fill(key, value, undefined);
    return value;
  }

  async set(key: string, value: V, options: SetOptions): Promise<void> {
    this.#epoch++;
    this.#l1.delete(tierKey(key));
    await this.#l2.set(key, value, options);
    // L1 holds only what L2 caches (serialize.ts's rule): no process may hit on a value others recompute.
    if (notCacheableReason(value, this.#lossy) === undefined) this.#fill(key, value, options.ttlMs);
    await this.#l2.connection.publish(this.#context.events, { ns: this.#namespace, k: [key] }, this.#listener);
  }

  async has(key: string): Promise<boolean> {
    return this.#l1.has(tierKey(key)) || this.#l2.has(key);
  }

  /** Drops the key from L1 at once; Redis deletes it and announces it (retried until Redis answers). */
  async delete(key: string): Promise<boolean> {
    this.#epoch++;
    this.#l1.delete(tierKey(key));
    return this.#l2.delete(key);
  }

  /** Empties L1 at once; Redis starts a new generation and announces it (retried until Redis answers). */
  async clear(): Promise<void> {
    this.#epoch++;
    this.#l1.clear();
    await this.#l2.clear(); // publishes the new generation; other processes empty their L1
  }

  /** True while a clear or delete Redis did not acknowledge is being retried (see `RedisStore`). */
  get invalidationPending(): boolean {
    return this.#l2.invalidationPending;
  }

  /** Resolves once no invalidation of this function is pending. */
  invalidationSettled(): Promise<void> {
    return this.#l2.invalidationSettled();
  }

  /** Removes tagged entries from Redis; every process's L1 (this one's too) drops them on the message. */
  invalidateTags(tags: readonly string[]): Promise<number> {
    return this.#l2.invalidateTags(tags);
  }

  lock(key: string, ttlMs: number): Promise<StoreLock> {
    return this.#l2.lock(key, ttlMs);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
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
