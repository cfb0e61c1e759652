/**
 * The Redis store (ioredis, loaded on first use): standalone, Cluster or Sentinel.
 *
 * - Keys: `keyPrefix + functionId + ':' + generation + ':' + key` (see `remote/keys.ts`), TTL on
 *   the server with `PX`.
 * - Clearing a function: `INCR` of its generation counter plus a pub/sub message, so every process
 *   switches to the new generation at once (and re-reads the counter every `generationRefreshMs`
 *   in the background in case a message was missed). No `KEYS`, no `SCAN`.
 * - A clear or delete the server does not acknowledge (hung, down, restarting) is not lost: it is
 *   retried in the background until the server answers (`remote/pending.ts`), and meanwhile this
 *   process neither reads nor writes what it covers; `invalidationPending` says so.
 * - Fail open: `commandTimeoutMs` bounds every command, no offline queue (a command while
 *   disconnected fails at once), and a circuit breaker skips the server after repeated failures.
 *   Every failure is reported through `events.backendError` and answered as a miss / dropped write.
 * - Auto-pipelining: concurrent commands of one tick go out in one write, and the reads of one tick
 *   (every function's, on one connection) in one MGET (`redis-reads.ts`; not on a Cluster).
 * - Cross-process stampede protection: `lock(key, ttlMs)` (SET NX PX + compare-and-delete).
 * - Tags: `set(..., { tags })` indexes the entry under each tag; `invalidateTags` removes them all.
 *
 * One connection (and one subscriber connection) per backend config object is shared by every
 * function's store; it closes when the last store closes (`redis-connection.ts`, counted by
 * `remote/shared.ts`). The client is made from the config in `redis-client.ts`.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { MISS } from './types.js';
import type { AsyncStore, BackendConfig, BackendHealth, Miss, SetOptions, StoreContext, StoreEvents, StoreFactory, StoreLock } from './types.js';
import { createCodec, type Codec, type SerializeOptions, decodeOrMiss, encodeOrReport } from './serialize.js';
import { GenerationCache } from './remote/generation.js';
import { PendingInvalidations } from './remote/pending.js';
import type { BreakerOptions } from './remote/guard.js';
import { initialGeneration, KeyScheme } from './remote/keys.js';
import { retryInBackground } from './remote/stampede.js';
import type { ConnectionLease } from './remote/shared.js';
import { RedisConnection, redisConnections } from './redis-connection.js';
import type { ReadTarget } from './redis-reads.js';

/** A Redis node address: `"host:port"` or `{ host, port }`. */
export type RedisNode = string | { host: string; port: number };

/** The `backends.NAME` entry for `"type": "redis"`. Exactly one of `url`, `cluster`, `sentinel`, `client` (default: `url` = `redis://127.0.0.1:6379`). */
export interface RedisBackendConfig extends SerializeOptions, BackendConfig {
  /** `"redis"`. */
  type: string;
  /**
   * Where the server is. `redis://[:password@]host:port[/db]` or `rediss://` (TLS) for one server;
   * `redis-cluster://host:port,host:port` for a Cluster (any reachable masters);
   * `redis-sentinel://[:password@]host:port,host:port/masterName[/db]` for Sentinel.
   * Example: `"${REDIS_URL:-redis://127.0.0.1:6379/0}"` in cachelens.config.json.
   */
  url?: string;
  /** Cluster seed nodes (alternative to a `redis-cluster://` URL). */
  cluster?: readonly RedisNode[];
  /** Sentinel setup (alternative to a `redis-sentinel://` URL). */
  sentinel?: { sentinels: readonly RedisNode[]; name: string; password?: string; sentinelPassword?: string; db?: number };
  /** An ioredis client (Redis or Cluster) the app already has. The store never closes it. Set `enableOfflineQueue: false` and `commandTimeout` on it to keep calls bounded. */
  client?: Redis | Cluster;
  /** More ioredis options (password, username, tls, db, ...), applied after CacheLens's defaults. */
  options?: RedisOptions;
  /** Prepended to every key, e.g. `"myapp:"`, so two apps on one server never collide. Default: `"cachelens:"`. */
  keyPrefix?: string;
  /** Bound on one command, in ms; past it the call goes on as a miss. Default: 500. */
  commandTimeoutMs?: number | `${number}`;
  /** Bound on connecting, in ms; calls made before the first connection wait at most this long. Default: 2000. */
  connectTimeoutMs?: number | `${number}`;
  /** Circuit breaker. Default: opens after 5 failures in a row, probes after 1000 ms. */
  breaker?: BreakerOptions;
  /** Re-read a function's generation counter in the background at most this often, in ms (a safety net for missed pub/sub messages). Default: 5000. */
  generationRefreshMs?: number | `${number}`;
  /** Listen to other processes' clears over pub/sub (one more connection). Default: true. */
  invalidation?: boolean;
}


/** How a store of one function takes part in invalidation (set by the two-tier store). */
export interface RedisStoreRole {
  /** Announce deletes over pub/sub (every process's L1 drops the key). Default: false. */
  announceDeletes?: boolean;
  /** Longest wait between two retries of an unconfirmed clear or delete, in ms. Default: 1000. */
  retryMaxDelayMs?: number;
}

const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** The store of one memoized function on Redis. Exported for the two-tier store; apps use `createRedisStore`. */
export class RedisStore<V = unknown> implements AsyncStore<V> {
  readonly sync = false;
  readonly kind: string = 'redis';
  readonly connection: RedisConnection;
  readonly keys: KeyScheme;
  readonly #codec: Codec;
  readonly #events: StoreEvents;
  readonly #namespace: string;
  readonly #gen: GenerationCache;
  readonly #pending: PendingInvalidations;
  readonly #lease: ConnectionLease<RedisConnection>;
  #closed = false;

  constructor(config: RedisBackendConfig, context: StoreContext, role: RedisStoreRole = {}) {
    this.#codec = createCodec(config);
    // One connection per backend config object (or passed-in client), shared by every function.
    this.#lease = redisConnections.acquire(config.client ?? config, () => new RedisConnection(config));
    this.connection = this.#lease.connection;
    this.#namespace = context.namespace;
    this.#events = context.events;
    this.keys = new KeyScheme(this.connection.prefix, context.namespace);
    let gen = this.connection.generations.get(context.namespace);
    if (!gen) this.connection.generations.set(context.namespace, (gen = new GenerationCache(this.connection.refreshMs, () => this.#fetchGeneration())));
    this.#gen = gen;
    if (role.announceDeletes) this.connection.announcing.add(context.namespace);
    let pending = this.connection.pendings.get(context.namespace);
    if (!pending) {
      // Each attempt: at most SET NX + INCR + PUBLISH, or a DEL per key + PUBLISH, each bounded.
      pending = new PendingInvalidations((all, keys, retry) => this.#apply(all, keys, retry), {
        maxDelayMs: role.retryMaxDelayMs ?? 1000,
        attemptTimeoutMs: 3 * this.connection.commandTimeoutMs + 100,
      });
      this.connection.pendings.set(context.namespace, pending);
    }
    this.#pending = pending;
  }

  get health(): BackendHealth {
    return this.connection.health;
  }

  /**
   * True while a clear or delete of this function that Redis did not acknowledge is being
   * retried. Meanwhile what it covers is a miss here, and is neither read nor written.
   */
  get invalidationPending(): boolean {
    return this.#pending.pending;
  }

  /** Resolves once no invalidation of this function is pending (the retries were confirmed). */
  invalidationSettled(): Promise<void> {
    return this.#pending.settled();
  }

  /**
   * When this process last read or learnt the function's generation (`performance.now()`), and
   * `generationStale()` to have it re-read on next use (the two-tier store's sweep: see there).
   */
  get generationAt(): number {
    return this.#gen.at;
  }

  generationStale(): void {
    this.#gen.stale();
  }

  /** The current generation of this function; undefined when Redis cannot be reached. */
  generation(): string | undefined | Promise<string | undefined> {
    return this.#gen.current();
  }

  async #fetchGeneration(): Promise<string | undefined> {
    const { client, guard } = this.connection;
    const key = this.keys.generationKey;
    const wait = this.connection.firstReady;
    if (wait) await wait;
    return guard.run(this.#events, 'GET generation', async () => {
      const current = await client.get(key);
      if (current !== null) return current;
      await client.set(key, initialGeneration(), 'NX');
      return (await client.get(key)) ?? undefined;
    }, undefined);
  }

  async #dataKey(key: string): Promise<string | undefined> {
    const gen = this.generation();
    const value = typeof gen === 'object' ? await gen : gen;
    return value === undefined ? undefined : this.keys.data(value, key);
  }

  /**
   * The hot path: with the generation known and the breaker closed, the connection's reads
   * (`redis-reads.ts`: the reads of this tick in one MGET, one GET each on a Cluster; the reply
   * handlers are made once per store); otherwise `#getGuarded`, the same steps awaited.
   */
  get(key: string): Promise<V | Miss> {
    if (this.#pending.blocks(key)) return Promise.resolve(MISS);
    const gen = this.#gen.current();
    if (typeof gen !== 'string' || !this.connection.guard.direct) return this.#getGuarded(key, gen);
    return this.connection.reads.read(this.keys.data(gen, key), this.#reader) as Promise<V | Miss>;
  }

  readonly #onGetReply = (bytes: Buffer | null): V | Miss => {
    this.connection.guard.succeeded();
    return bytes === null ? MISS : decodeOrMiss(this.#codec, bytes, this.#events) as V | Miss;
  };

  readonly #onGetError = (error: unknown): Miss => {
    this.connection.guard.failed(this.#events, 'GET', error);
    return MISS;
  };

  /** The reply handlers as the connection's read batcher takes them. */
  readonly #reader: ReadTarget = { onReply: this.#onGetReply, onError: this.#onGetError };

  /** `get` awaiting the generation (`gen`, as `current()` gave it) and through `guard.run`. */
  async #getGuarded(key: string, gen: string | undefined | Promise<string | undefined>): Promise<V | Miss> {
    const value = typeof gen === 'object' ? await gen : gen;
    if (value === undefined) return MISS;
    const k = this.keys.data(value, key);
    const bytes = await this.connection.guard.run(this.#events, 'GET', () => this.connection.client.getBuffer(k), null);
    if (bytes === null) return MISS;
    return decodeOrMiss(this.#codec, bytes, this.#events) as V | Miss;
  }

  /** Encodes for storage; an unserializable or too large value is reported and yields undefined. */
  encode(value: V): Buffer | undefined {
    return encodeOrReport(this.#codec, value, this.#namespace, this.#events);
  }

  async set(key: string, value: V, options: SetOptions): Promise<void> {
    if (this.#pending.blocks(key)) return;
    const bytes = this.encode(value);
    if (bytes === undefined) return;
    const k = await this.#dataKey(key);
    if (k === undefined) return;
    const { client } = this.connection;
    const ttl = options.ttlMs === undefined ? undefined : Math.max(1, Math.ceil(options.ttlMs));
    await this.connection.guard.run(this.#events, 'SET', () => (ttl === undefined ? client.set(k, bytes) : client.set(k, bytes, 'PX', ttl)), null);
    if (options.tags?.length) await this.#tag(options.tags, k, key, ttl);
  }

  /** Adds the entry to each tag's index set; the set lives as long as its longest-lived member. */
  async #tag(tags: readonly string[], dataKey: string, key: string, ttl: number | undefined): Promise<void> {
    const { client } = this.connection;
    const member = JSON.stringify([dataKey, this.#namespace, key]);
    await this.connection.guard.run(this.#events, 'SADD tag', () => Promise.all(tags.map(async (tag) => {
      const tagKey = this.connection.tagKey(tag);
      const existed = await client.exists(tagKey);
      await client.sadd(tagKey, member);
      // GT never shortens the set's life, and leaves a set kept forever (for a member without TTL) as it is.
      if (ttl === undefined) await client.persist(tagKey);
      else if (existed) await client.pexpire(tagKey, ttl, 'GT');
      else await client.pexpire(tagKey, ttl);
    })), undefined);
  }

  /**
   * Removes every entry set with any of `tags` (any function, any process), and tells the
   * two-tier stores to drop them from their L1. Tag index: `keyPrefix + '__tag__:' + tag`.
   */
  async invalidateTags(tags: readonly string[]): Promise<number> {
    const { client, guard } = this.connection;
    const members = await guard.run(this.#events, 'SMEMBERS tag', async () => {
      const all: string[] = [];
      for (const tag of tags) {
        const tagKey = this.connection.tagKey(tag);
        all.push(...await client.smembers(tagKey));
        await client.del(tagKey);
      }
      return all;
    }, [] as string[]);
    const byNamespace = new Map<string, string[]>();
    let removed = 0;
    for (const member of new Set(members)) {
      let parsed: unknown;
      try { parsed = JSON.parse(member); } catch { continue; }
      if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((p) => typeof p === 'string')) continue;
      const [dataKey, ns, key] = parsed as [string, string, string];
      // One DEL per key: in a Cluster the keys live in different slots.
      removed += await guard.run(this.#events, 'DEL tagged', () => client.del(dataKey), 0);
      const list = byNamespace.get(ns) ?? [];
      list.push(key);
      byNamespace.set(ns, list);
    }
    for (const [ns, keys] of byNamespace) await this.connection.publish(this.#events, { ns, k: keys });
    return removed;
  }

  async has(key: string): Promise<boolean> {
    if (this.#pending.blocks(key)) return false;
    const k = await this.#dataKey(key);
    if (k === undefined) return false;
    return (await this.connection.guard.run(this.#events, 'EXISTS', () => this.connection.client.exists(k), 0)) > 0;
  }

  /**
   * Deletes the entry (and, for a two-tier store, tells every process to drop it). When Redis does
   * not acknowledge, the delete is retried in the background until it does (`invalidationPending`).
   * Resolves true when an entry was removed now.
   */
  async delete(key: string): Promise<boolean> {
    return (await this.#pending.delete(key, () => this.#deleteKeys([key], false))) > 0;
  }

  /**
   * Starts a new generation of this function: every process stops reading the old keys. When Redis
   * does not acknowledge, the clear is retried in the background until it does
   * (`invalidationPending`), and this process reads nothing of the function meanwhile.
   */
  async clear(): Promise<void> {
    await this.#pending.attempt();
  }

  /** Applies pending invalidations (see `PendingInvalidations`); true when Redis acknowledged them. */
  async #apply(all: boolean, keys: readonly string[], retry: boolean): Promise<boolean> {
    return all ? this.#newGeneration(retry) : (await this.#deleteKeys(keys, retry)).confirmed;
  }

  /** INCR of the generation counter (created at the current time when missing) and its message. */
  async #newGeneration(retry: boolean): Promise<boolean> {
    const { client } = this.connection;
    const key = this.keys.generationKey;
    const next = await this.connection.run(this.#events, 'INCR generation', async () => {
      await client.set(key, initialGeneration(), 'NX');
      return String(await client.incr(key));
    }, undefined, retry);
    if (next === undefined) return false;
    this.#gen.update(next);
    return (await this.connection.publish(this.#events, { ns: this.#namespace, g: next }, undefined, retry)) >= 0;
  }

  /** DEL of each key (one by one: in a Cluster they live in different slots), then the message. */
  async #deleteKeys(keys: readonly string[], retry: boolean): Promise<{ removed: number; confirmed: boolean }> {
    const { client } = this.connection;
    const gen = this.generation();
    const value = typeof gen === 'object' ? await gen : gen;
    let removed = 0;
    let confirmed = value !== undefined;
    for (const key of keys) {
      if (!confirmed) break;
      const k = this.keys.data(value as string, key);
      const n = await this.connection.run(this.#events, 'DEL', () => client.del(k), -1, retry);
      if (n < 0) confirmed = false;
      else removed += n;
    }
    if (removed > 0) this.#events.evicted('explicit', removed, 0);
    if (confirmed && this.connection.announcing.has(this.#namespace)) {
      confirmed = (await this.connection.publish(this.#events, { ns: this.#namespace, k: [...keys] }, undefined, retry)) >= 0;
    }
    return { removed, confirmed };
  }

  /**
   * Cross-process single flight: `SET lockKey token NX PX ttlMs`. When Redis cannot answer the
   * lock is reported as acquired (fail open: compute rather than wait on a broken server).
   */
  async lock(key: string, ttlMs: number): Promise<StoreLock> {
    if (this.#pending.blocks(key)) return { acquired: true, release: async () => undefined };
    const k = await this.#dataKey(key);
    if (k === undefined) return { acquired: true, release: async () => undefined };
    const gen = this.#gen.value as string;
    const lockKey = this.keys.lock(gen, key);
    const token = randomBytes(12).toString('base64url');
    const { client, guard } = this.connection;
    const reply = await guard.run(this.#events, 'SET NX', () => client.set(lockKey, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'), 'OK' as const);
    if (reply !== 'OK') return { acquired: false, release: async () => undefined };
    return {
      acquired: true,
      release: async () => {
        // -1: not answered. Then the lock may still be (or become) set on the server: release it later.
        const unlock = async (): Promise<boolean> => (await guard.run(this.#events, 'unlock', () => client.eval(UNLOCK, 1, lockKey, token) as Promise<number>, -1)) !== -1;
        if (!(await unlock())) retryInBackground(unlock, ttlMs);
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#lease.release();
  }
}

/** `StoreFactory` for `"type": "redis"`. Loads ioredis on first call. */
export const createRedisStore: StoreFactory = (config: BackendConfig, context: StoreContext) =>
  new RedisStore(config as RedisBackendConfig, context);

/** The name the backend registry (`backends.ts`) looks for when it loads this module for `"type": "redis"`. */
export const createStore: StoreFactory = createRedisStore;
