/**
 * The Memcached store (memjs, binary protocol, loaded on first use).
 *
 * Same key scheme, codec and fail-open behaviour as the Redis store (`remote/keys.ts`,
 * `serialize.ts`, `remote/guard.ts`). Differences that follow from Memcached:
 * - TTLs are whole seconds (rounded up); a TTL over 30 days is sent as an absolute Unix time,
 *   because Memcached reads any expiry above 2,592,000 as a timestamp.
 * - Clearing a function increments its generation counter (`incr`, created at the current time
 *   when missing). Memcached has no pub/sub: other processes see the new generation when they
 *   re-read it, at most `generationRefreshMs` later (default 1000 ms; 0 = read it before every
 *   operation, one more round trip each).
 * - The counter itself can be evicted under memory pressure; it restarts at the current Unix time
 *   in seconds (memjs sends a 32-bit initial value), so old keys are not revived unless a function
 *   was cleared more often than once a second on average.
 * - `lock` uses `add` (store-if-absent) with the lock's TTL; release deletes it if still ours.
 * - A clear or delete the server does not acknowledge is retried in the background until it does
 *   (`remote/pending.ts`); meanwhile this process neither reads nor writes what it covers.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Client } from 'memjs';
import { MISS } from './types.js';
import type { AsyncStore, BackendConfig, BackendHealth, Miss, SetOptions, StoreContext, StoreEvents, StoreFactory, StoreLock } from './types.js';
import { createCodec, type Codec, type SerializeOptions, decodeOrMiss, encodeOrReport } from './serialize.js';
import { BackendConfigError, BackendDependencyMissingError } from './remote/errors.js';
import { GenerationCache } from './remote/generation.js';
import { PendingInvalidations } from './remote/pending.js';
import { msOption } from './remote/options.js';
import { FailOpenGuard, type BreakerOptions, type GuardTicket } from './remote/guard.js';
import { KeyScheme } from './remote/keys.js';
import { retryInBackground } from './remote/stampede.js';
import { SharedConnections, type ConnectionLease } from './remote/shared.js';

/** The `backends.NAME` entry for `"type": "memcached"`. */
export interface MemcachedBackendConfig extends SerializeOptions, BackendConfig {
  /** `"memcached"`. */
  type: string;
  /**
   * Servers: `"host:port,host:port"` (optionally `user:pass@host:port` for SASL) or a list of them.
   * Example: `"${MEMCACHED_SERVERS:-127.0.0.1:11211}"`. Default: `"127.0.0.1:11211"`.
   */
  servers?: string | readonly string[];
  /** Prepended to every key. Default: `"cachelens:"`. */
  keyPrefix?: string;
  /** Bound on one operation, in ms; past it the call goes on as a miss. Default: 500. */
  commandTimeoutMs?: number | `${number}`;
  /** Circuit breaker. Default: opens after 5 failures in a row, probes after 1000 ms. */
  breaker?: BreakerOptions;
  /** How stale a function's generation may be (how late another process's clear is seen), in ms. Default: 1000. */
  generationRefreshMs?: number | `${number}`;
}

/** Memcached reads an expiry above this many seconds as an absolute Unix time. */
const RELATIVE_TTL_LIMIT_S = 30 * 24 * 3600;

/** Expiry to send for a TTL in ms: whole seconds, or an absolute time past 30 days. */
export function memcachedExpiry(ttlMs: number | undefined, nowMs: number): number {
  if (ttlMs === undefined) return 0;
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  return seconds <= RELATIVE_TTL_LIMIT_S ? seconds : Math.floor(nowMs / 1000) + seconds;
}

type MemjsModule = typeof import('memjs');

function loadMemjs(): MemjsModule {
  try {
    // Loaded on first use: apps that never use Memcached never load (or install) memjs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('memjs') as MemjsModule;
  } catch (error) {
    throw new BackendDependencyMissingError('memcached', 'memjs', error);
  }
}


/** What the store reads of a memjs server (not in its typings): its socket, once connected. */
interface MemjsServerInternals {
  connected?: boolean;
  _socket?: Socket;
}

/** One memjs client shared by every function's store of one backend config. */
class MemcachedConnection {
  readonly client: Client;
  readonly guard: FailOpenGuard;
  readonly prefix: string;
  readonly refreshMs: number;
  readonly generations = new Map<string, GenerationCache>();
  /** Unconfirmed clears and deletes of each function (namespace), retried until the server answers. */
  readonly pendings = new Map<string, PendingInvalidations>();
  readonly timeoutMs: number;

  constructor(config: MemcachedBackendConfig) {
    const timeout = msOption('memcached', config, 'commandTimeoutMs', 500, 1);
    this.timeoutMs = timeout;
    this.refreshMs = msOption('memcached', config, 'generationRefreshMs', 1000, 0);
    this.prefix = config.keyPrefix ?? 'cachelens:';
    if (typeof this.prefix !== 'string') throw new BackendConfigError('memcached', 'keyPrefix', 'must be a string such as "myapp:".');
    const servers = Array.isArray(config.servers) ? config.servers.join(',') : (config.servers ?? '127.0.0.1:11211');
    if (typeof servers !== 'string' || servers.trim() === '') throw new BackendConfigError('memcached', 'servers', 'must be "host:port[,host:port]" or a list of them.');
    const { Client } = loadMemjs();
    this.client = Client.create(servers, {
      timeout: timeout / 1000,
      conntimeout: timeout / 1000,
      retries: 1,
      failover: false,
      keepAlive: true,
      expires: 0,
      logger: { log: () => undefined },
    });
    // memjs enforces its timeout per socket; the guard bounds the whole operation as well.
    this.guard = new FailOpenGuard('memcached', config.breaker, timeout + 50);
    // memjs reconnects on the next command and announces nothing: while the breaker is open, a
    // read of a key that is never written tells when the server is back.
    const client = this.client;
    const probeKey = `${this.prefix}:probe`;
    this.guard.watchRecovery(() => {
      const reply = client.get(probeKey);
      this.unref(); // the probe's socket never holds the app open
      return reply.finally(() => this.unref());
    });
  }

  /**
   * Requests of one tick go out in one write: memjs writes each request to its socket at once (one
   * system call each); the sockets are corked until the current tick's callbacks and promise
   * reactions have run (concurrent callers), as ioredis's auto-pipelining does for Redis.
   */
  batch(): void {
    if (this.#corked.length !== 0) return;
    for (const server of this.client.servers) {
      const s = server as unknown as MemjsServerInternals;
      if (s.connected && s._socket?.writable) {
        s._socket.cork();
        this.#corked.push(s._socket);
      }
    }
    if (this.#corked.length !== 0) process.nextTick(this.#uncork);
  }

  readonly #corked: Socket[] = [];

  readonly #uncork = (): void => {
    for (const socket of this.#corked) socket.uncork();
    this.#corked.length = 0;
  };

  /** memjs sockets would keep the app alive; a pending operation still does, through the guard's timer. */
  unref(): void {
    for (const server of this.client.servers) (server as unknown as { _socket?: { unref?(): void } })._socket?.unref?.();
  }

  close(): void {
    for (const pending of this.pendings.values()) pending.close();
    this.guard.dispose();
    this.client.close();
  }
}

/** The connections of Memcached backends, by config object. */
const connections = new SharedConnections<MemcachedConnection>();

/** The store of one memoized function on Memcached. */
export class MemcachedStore<V = unknown> implements AsyncStore<V> {
  readonly sync = false;
  readonly kind = 'memcached';
  readonly #connection: MemcachedConnection;
  readonly #keys: KeyScheme;
  readonly #codec: Codec;
  readonly #events: StoreEvents;
  readonly #namespace: string;
  readonly #gen: GenerationCache;
  readonly #pending: PendingInvalidations;
  readonly #lease: ConnectionLease<MemcachedConnection>;
  #closed = false;

  constructor(config: MemcachedBackendConfig, context: StoreContext) {
    this.#codec = createCodec(config);
    this.#lease = connections.acquire(config, () => new MemcachedConnection(config));
    const connection = this.#lease.connection;
    this.#connection = connection;
    this.#events = context.events;
    this.#namespace = context.namespace;
    this.#keys = new KeyScheme(connection.prefix, context.namespace, 250);
    let gen = connection.generations.get(context.namespace);
    if (!gen) connection.generations.set(context.namespace, (gen = new GenerationCache(connection.refreshMs, () => this.#readGeneration(0))));
    this.#gen = gen;
    let pending = connection.pendings.get(context.namespace);
    if (!pending) {
      pending = new PendingInvalidations((all, keys, retry) => this.#apply(all, keys, retry), { attemptTimeoutMs: 2 * connection.timeoutMs + 100 });
      connection.pendings.set(context.namespace, pending);
    }
    this.#pending = pending;
  }

  get health(): BackendHealth {
    return this.#connection.guard.health;
  }

  /** True while a clear or delete the server did not acknowledge is being retried (see `RedisStore`). */
  get invalidationPending(): boolean {
    return this.#pending.pending;
  }

  /** Resolves once no invalidation of this function is pending. */
  invalidationSettled(): Promise<void> {
    return this.#pending.settled();
  }

  /**
   * `guard.run`, or for a background retry (`retry`) the operation itself, bounded, unreported and
   * past an open breaker: a retry every few hundred ms is itself the probe.
   */
  async #run<T>(op: string, operation: () => Promise<T>, fallback: T, retry = false): Promise<T> {
    const { guard } = this.#connection;
    const result = retry
      ? await operation().then((value) => { guard.noteRecovered(); return value; }, () => fallback)
      : await guard.run(this.#events, op, operation, fallback);
    this.#connection.unref();
    return result;
  }

  /** Adds `by` to the generation counter (creating it at the current time) and returns it. */
  #readGeneration(by: number, retry = false): Promise<string | undefined> {
    const { client } = this.#connection;
    return this.#run(by === 0 ? 'get generation' : 'incr generation', async () => {
      const incr = () => client.increment(this.#keys.generationKey, by, { initial: Math.floor(Date.now() / 1000), expires: 0 });
      // Two processes creating the counter at once: the loser's create is refused; its retry increments.
      const reply = await incr().catch((error: unknown) => {
        if (/not stored/i.test(String((error as Error).message))) return incr();
        throw error;
      });
      if (!reply.success || reply.value == null) throw new Error('incr refused');
      return String(reply.value);
    }, undefined, retry);
  }

  async #dataKey(key: string): Promise<string | undefined> {
    const gen = this.#gen.current();
    const value = typeof gen === 'object' ? await gen : gen;
    return value === undefined ? undefined : this.#keys.data(value, key);
  }

  /**
   * The hot path: with the generation known and the breaker closed, memjs's callback form (no
   * promise of its own, no reply object) under the guard's shared bound (`track`); otherwise
   * `#getGuarded`, the same steps through `#run`.
   */
  get(key: string): Promise<V | Miss> {
    if (this.#pending.blocks(key)) return Promise.resolve(MISS);
    const gen = this.#gen.current();
    const connection = this.#connection;
    if (typeof gen !== 'string' || !connection.guard.closed) return this.#getGuarded(key, gen);
    const k = this.#keys.data(gen, key);
    return new Promise<V | Miss>((resolve) => {
      const ticket = connection.guard.track(this.#events, 'get', () => {
        connection.unref();
        resolve(MISS);
      });
      connection.batch();
      try {
        connection.client.get(k, (error: Error | null, bytes: Buffer | null) => this.#answer(ticket, resolve, error, bytes));
      } catch (error) {
        this.#answer(ticket, resolve, error instanceof Error ? error : new Error(String(error)), null);
      }
    });
  }

  /** memjs answered the `get` of `ticket` (as `#run` and `#getGuarded` would, past the bound: dropped). */
  #answer(ticket: GuardTicket, resolve: (value: V | Miss) => void, error: Error | null, bytes: Buffer | null): void {
    const connection = this.#connection;
    if (!connection.guard.settle(ticket)) return; // past the bound: already answered as a miss
    connection.unref();
    if (error) {
      connection.guard.failed(this.#events, 'get', error);
      resolve(MISS);
    } else {
      connection.guard.succeeded();
      resolve(bytes ? decodeOrMiss(this.#codec, bytes, this.#events) as V | Miss : MISS);
    }
  }

  /** `get` awaiting the generation (`gen`, as `current()` gave it) and through `#run`. */
  async #getGuarded(key: string, gen: string | undefined | Promise<string | undefined>): Promise<V | Miss> {
    const value = typeof gen === 'object' ? await gen : gen;
    if (value === undefined) return MISS;
    const k = this.#keys.data(value, key);
    const reply = await this.#run('get', () => this.#connection.client.get(k), null);
    const bytes = reply?.value;
    if (!bytes) return MISS;
    return decodeOrMiss(this.#codec, bytes, this.#events) as V | Miss;
  }

  async set(key: string, value: V, options: SetOptions): Promise<void> {
    if (this.#pending.blocks(key)) return;
    const bytes = encodeOrReport(this.#codec, value, this.#namespace, this.#events);
    if (bytes === undefined) return;
    const k = await this.#dataKey(key);
    if (k === undefined) return;
    // The absolute form of a long TTL is read by the server's real clock, so use the real time here.
    const expires = memcachedExpiry(options.ttlMs, Date.now());
    await this.#run('set', () => this.#connection.client.set(k, bytes, { expires }), false);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== MISS;
  }

  /** Deletes the entry; retried in the background until the server acknowledges. True when one was removed now. */
  async delete(key: string): Promise<boolean> {
    return (await this.#pending.delete(key, () => this.#deleteKeys([key], false))) > 0;
  }

  /** Starts a new generation; retried in the background until the server acknowledges. */
  async clear(): Promise<void> {
    await this.#pending.attempt();
  }

  /** Applies pending invalidations (see `PendingInvalidations`); true when the server acknowledged them. */
  async #apply(all: boolean, keys: readonly string[], retry: boolean): Promise<boolean> {
    if (!all) return (await this.#deleteKeys(keys, retry)).confirmed;
    const next = await this.#readGeneration(1, retry);
    if (next === undefined) return false;
    this.#gen.update(next);
    return true;
  }

  async #deleteKeys(keys: readonly string[], retry: boolean): Promise<{ removed: number; confirmed: boolean }> {
    let removed = 0;
    for (const key of keys) {
      const k = await this.#dataKey(key);
      if (k === undefined) return { removed, confirmed: false };
      // memjs answers false for a key that was not there, and rejects when the server does not answer.
      const deleted = await this.#run('delete', () => this.#connection.client.delete(k), undefined, retry);
      if (deleted === undefined) return { removed, confirmed: false };
      if (deleted) {
        removed++;
        this.#events.evicted('explicit', 1, 0);
      }
    }
    return { removed, confirmed: true };
  }

  async lock(key: string, ttlMs: number): Promise<StoreLock> {
    if (this.#pending.blocks(key)) return { acquired: true, release: async () => undefined };
    const k = await this.#dataKey(key);
    if (k === undefined) return { acquired: true, release: async () => undefined };
    const lockKey = this.#keys.lock(this.#gen.value as string, key);
    const token = randomBytes(12).toString('base64url');
    const { client } = this.#connection;
    const added = await this.#run('add', async () => {
      try {
        return await client.add(lockKey, token, { expires: memcachedExpiry(ttlMs, Date.now()) });
      } catch (error) {
        // memjs rejects an add on an existing key as an error; that is "someone else holds it".
        if (/exists/i.test((error as Error).message)) return false;
        throw error;
      }
    }, true);
    if (!added) return { acquired: false, release: async () => undefined };
    return {
      acquired: true,
      release: async () => {
        // Not answered: the lock may still be (or become) set on the server: release it later.
        const unlock = (): Promise<boolean> => this.#run('unlock', async () => {
          const held = await client.get(lockKey);
          if (held.value?.toString() === token) await client.delete(lockKey);
          return true;
        }, false);
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

/** `StoreFactory` for `"type": "memcached"`. Loads memjs on first call. */
export const createMemcachedStore: StoreFactory = (config: BackendConfig, context: StoreContext) =>
  new MemcachedStore(config as MemcachedBackendConfig, context);

/** The name the backend registry (`backends.ts`) looks for when it loads this module. */
export const createStore: StoreFactory = createMemcachedStore;
