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
 * - Auto-pipelining: concurrent commands of one tick go out in one write.
 * - Cross-process stampede protection: `lock(key, ttlMs)` (SET NX PX + compare-and-delete).
 * - Tags: `set(..., { tags })` indexes the entry under each tag; `invalidateTags` removes them all.
 *
 * One connection (and one subscriber connection) per backend config object is shared by every
 * function's store; it closes when the last store closes.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { MISS } from './types.js';
import type { AsyncStore, BackendConfig, BackendHealth, Miss, SetOptions, StoreContext, StoreEvents, StoreFactory, StoreLock } from './types.js';
import { createCodec, type Codec, type SerializeOptions, decodeOrMiss, encodeOrReport } from './serialize.js';
import { BackendConfigError, BackendDependencyMissingError } from './remote/errors.js';
import { GenerationCache } from './remote/generation.js';
import { PendingInvalidations } from './remote/pending.js';
import { msOption } from './remote/options.js';
import { FailOpenGuard, type BreakerOptions } from './remote/guard.js';
import { initialGeneration, KeyScheme, keyPart } from './remote/keys.js';
import { retryInBackground } from './remote/stampede.js';

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

/** An invalidation broadcast to every process sharing the server (and prefix). */
export interface InvalidationMessage {
  /** The sending connection's id (a process ignores its own messages). */
  o: string;
  /** Namespace (function id). */
  ns: string;
  /** New generation, after a clear. */
  g?: string;
  /** Keys written or deleted (two-tier stores evict them from their L1). */
  k?: string[];
}

type IoredisModule = typeof import('ioredis');
type Client = Redis | Cluster;

function loadIoredis(): IoredisModule {
  try {
    // Loaded on first use: apps that never use Redis never load (or install) ioredis.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('ioredis') as IoredisModule;
  } catch (error) {
    throw new BackendDependencyMissingError('redis', 'ioredis', error);
  }
}

function parseNode(node: RedisNode, option: string): { host: string; port: number } {
  if (typeof node !== 'string') return node;
  const at = node.lastIndexOf(':');
  const port = Number(node.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port)) throw new BackendConfigError('redis', option, `has "${node}", expected "host:port".`);
  return { host: node.slice(0, at), port };
}


/** Splits `scheme://[user:pass@]h:p,h:p/rest` (URL parsing rejects host lists). */
function parseMultiHostUrl(url: string): { nodes: { host: string; port: number }[]; password?: string; username?: string; path: string[] } {
  const rest = url.slice(url.indexOf('://') + 3);
  const slash = rest.indexOf('/');
  let hosts = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? [] : rest.slice(slash + 1).split('/').filter(Boolean);
  let username: string | undefined;
  let password: string | undefined;
  const at = hosts.lastIndexOf('@');
  if (at >= 0) {
    const auth = hosts.slice(0, at);
    hosts = hosts.slice(at + 1);
    const colon = auth.indexOf(':');
    username = colon < 0 ? undefined : decodeURIComponent(auth.slice(0, colon)) || undefined;
    password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1));
  }
  return { nodes: hosts.split(',').map((h) => parseNode(h, 'url')), password, username, path };
}

/** One ioredis client (+ subscriber) shared by every function's store of one backend config. */
class RedisConnection {
  readonly client: Client;
  readonly guard: FailOpenGuard;
  readonly prefix: string;
  readonly id = randomBytes(8).toString('hex');
  readonly channel: string;
  readonly refreshMs: number;
  readonly generations = new Map<string, GenerationCache>();
  /** Unconfirmed clears and deletes of each function (namespace), retried until the server answers. */
  readonly pendings = new Map<string, PendingInvalidations>();
  /** Namespaces whose deletes are announced over pub/sub (a two-tier store uses them). */
  readonly announcing = new Set<string>();
  /** Bound on one command, in ms (ioredis enforces it on the clients made here). */
  readonly commandTimeoutMs: number;
  readonly #listeners = new Map<string, Set<(message: InvalidationMessage) => void>>();
  readonly #ownsClient: boolean;
  #subscriber: Client | undefined;
  #ready: Promise<void> | undefined;
  #everReady = false;
  /** The one bounded wait for the first connection is over (connected or timed out). */
  #waited = false;
  #connectTimeout = 0;
  refs = 0;

  constructor(config: RedisBackendConfig, readonly onClosed: () => void) {
    const commandTimeout = msOption('redis', config, 'commandTimeoutMs', 500, 1);
    const connectTimeout = msOption('redis', config, 'connectTimeoutMs', 2000, 1);
    this.refreshMs = msOption('redis', config, 'generationRefreshMs', 5000, 1);
    this.commandTimeoutMs = commandTimeout;
    this.prefix = config.keyPrefix ?? 'cachelens:';
    if (typeof this.prefix !== 'string') throw new BackendConfigError('redis', 'keyPrefix', 'must be a string such as "myapp:".');
    this.channel = this.prefix + '__cachelens__:invalidate';
    // The guard adds no timer of its own: ioredis enforces commandTimeout.
    this.guard = new FailOpenGuard('redis', config.breaker);
    this.#ownsClient = config.client === undefined;
    this.client = config.client ?? this.#createClient(config, commandTimeout, connectTimeout);
    this.#connectTimeout = connectTimeout;
    if (this.client.status === 'ready') this.#everReady = true;
    this.client.on('ready', () => {
      this.#everReady = true;
      this.guard.noteRecovered();
      for (const pending of this.pendings.values()) pending.kick();
    });
    // A client without an 'error' listener would crash the process on a connection error.
    this.client.on('error', () => undefined);
    if (this.#ownsClient) unrefSockets(this.client);
    if (config.invalidation !== false) this.#subscribe();
  }

  #createClient(config: RedisBackendConfig, commandTimeout: number, connectTimeout: number): Client {
    const { Redis, Cluster } = loadIoredis();
    const base: RedisOptions = {
      commandTimeout,
      connectTimeout,
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
      ...config.options,
    };
    const url = config.url;
    const given = [url !== undefined, config.cluster !== undefined, config.sentinel !== undefined].filter(Boolean).length;
    if (given > 1) throw new BackendConfigError('redis', 'url', 'is given together with cluster or sentinel: give exactly one of url, cluster, sentinel, client.');
    if (config.cluster !== undefined || url?.startsWith('redis-cluster://')) {
      const nodes = config.cluster?.map((n) => parseNode(n, 'cluster')) ?? parseMultiHostUrl(url as string).nodes;
      if (nodes.length === 0) throw new BackendConfigError('redis', 'cluster', 'lists no nodes: give at least one "host:port".');
      const auth = url ? parseMultiHostUrl(url) : undefined;
      const redisOptions: RedisOptions = { ...base, password: auth?.password ?? base.password, username: auth?.username ?? base.username };
      const options: ClusterOptions = {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times: number) => Math.min(100 * times, 2000),
        slotsRefreshTimeout: connectTimeout,
        redisOptions,
      };
      return new Cluster(nodes, options);
    }
    if (config.sentinel !== undefined || url?.startsWith('redis-sentinel://')) {
      let sentinel = config.sentinel;
      if (sentinel === undefined) {
        const parsed = parseMultiHostUrl(url as string);
        const [name, db] = parsed.path;
        if (!name) throw new BackendConfigError('redis', 'url', `"${url}" names no master: use redis-sentinel://host:port,host:port/masterName.`);
        sentinel = { sentinels: parsed.nodes, name, password: parsed.password, db: db === undefined ? undefined : Number(db) };
      }
      if (!sentinel.name) throw new BackendConfigError('redis', 'sentinel.name', 'is missing: give the monitored master name.');
      return new Redis({
        ...base,
        sentinels: sentinel.sentinels.map((n) => parseNode(n, 'sentinel.sentinels')),
        name: sentinel.name,
        password: sentinel.password ?? base.password,
        sentinelPassword: sentinel.sentinelPassword,
        db: sentinel.db ?? base.db,
      });
    }
    const target = url ?? 'redis://127.0.0.1:6379';
    if (!/^rediss?:\/\//.test(target)) throw new BackendConfigError('redis', 'url', `is "${target}": expected redis://, rediss://, redis-cluster:// or redis-sentinel://.`);
    return new Redis(target, base);
  }

  #subscribe(): void {
    const sub = isCluster(this.client)
      ? this.client.duplicate(undefined, { enableOfflineQueue: true, enableAutoPipelining: false })
      : this.client.duplicate({ enableOfflineQueue: true, enableAutoPipelining: false, lazyConnect: false });
    this.#subscriber = sub;
    sub.on('error', () => undefined);
    unrefSockets(sub);
    let connectedBefore = false;
    sub.on('ready', () => {
      // Messages sent while the subscriber was away are lost: re-read every generation soon.
      if (connectedBefore) for (const gen of this.generations.values()) gen.stale();
      connectedBefore = true;
      for (const listeners of this.#listeners.values()) for (const l of listeners) l({ o: '', ns: '' });
    });
    sub.on('messageBuffer', (_channel: Buffer, payload: Buffer) => this.#receive(payload));
    sub.subscribe(this.channel).catch(() => undefined);
  }

  /** The index set of a tag. */
  tagKey(tag: string): string {
    return this.prefix + '__tag__:' + keyPart(tag, 200);
  }

  /** True while invalidation messages are being received (two-tier stores fill their L1 only then). */
  get listening(): boolean {
    return this.#subscriber?.status === 'ready';
  }

  #receive(payload: Buffer): void {
    let message: InvalidationMessage;
    try {
      message = JSON.parse(payload.toString()) as InvalidationMessage;
    } catch {
      return;
    }
    if (message.o === this.id || typeof message.ns !== 'string') return;
    if (typeof message.g === 'string') {
      this.generations.get(message.ns)?.update(message.g);
    }
    const listeners = this.#listeners.get(message.ns);
    if (listeners) for (const l of listeners) l(message);
  }

  /** Calls `listener` for other processes' invalidations of `namespace`, and with `ns: ''` when the subscriber (re)connects. Returns the unsubscribe function. */
  listen(namespace: string, listener: (message: InvalidationMessage) => void): () => void {
    let set = this.#listeners.get(namespace);
    if (!set) this.#listeners.set(namespace, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Tells other processes, and this process's other listeners of the namespace (all but `sender`).
   * Resolves with the number of subscribers Redis handed it to, or -1 when Redis did not answer.
   * `retry`: a background retry, sent past the breaker and not reported (see `remote/pending.ts`).
   */
  publish(events: StoreEvents, message: Omit<InvalidationMessage, 'o'>, sender?: (message: InvalidationMessage) => void, retry = false): Promise<number> {
    const full: InvalidationMessage = { o: this.id, ...message };
    const local = this.#listeners.get(message.ns);
    if (local) for (const l of local) if (l !== sender) l(full);
    const payload = JSON.stringify(full);
    return this.run(events, 'PUBLISH', () => this.client.publish(this.channel, payload), -1, retry);
  }

  /**
   * `guard.run`, or for a background retry the operation itself: past an open breaker (one retry
   * every few hundred ms is itself the probe), unreported, and closing the breaker when it succeeds.
   */
  run<T>(events: StoreEvents, op: string, operation: () => Promise<T>, fallback: T, retry: boolean): Promise<T> {
    if (!retry) return this.guard.run(events, op, operation, fallback);
    return operation().then((value) => { this.guard.noteRecovered(); return value; }, () => fallback);
  }

  /** Resolves once the first connection is up or `connectTimeoutMs` passed (one wait per connection); undefined when there is nothing to wait for. */
  get firstReady(): Promise<void> | undefined {
    if (this.#everReady || this.#waited) return undefined;
    // Created on first use, and not unref'd: a call waiting here must keep the process alive.
    this.#ready ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#connectTimeout);
      this.client.once('ready', () => { clearTimeout(timer); resolve(); });
    }).then(() => { this.#waited = true; this.#ready = undefined; });
    return this.#ready;
  }

  get health(): BackendHealth {
    return this.client.status === 'ready' ? this.guard.health : 'degraded';
  }

  async close(): Promise<void> {
    for (const pending of this.pendings.values()) pending.close();
    const clients = this.#ownsClient ? [this.client, this.#subscriber] : [this.#subscriber];
    await Promise.all(clients.map(async (c) => {
      if (!c) return;
      try {
        await Promise.race([c.quit(), new Promise((r) => setTimeout(r, 200).unref())]);
      } catch {
        // already disconnected
      }
      c.disconnect();
    }));
    this.onClosed();
  }
}

function isCluster(client: Client): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * Sockets and reconnection timers must not keep the app alive (a pending command still does,
 * through its commandTimeout timer). ioredis sets its reconnect timer just before the
 * 'reconnecting' event is emitted (next tick), so the handler finds it.
 */
function unrefSockets(client: Client): void {
  type Handles = { stream?: { unref?(): void }; reconnectTimeout?: { unref?(): void } };
  const unref = (c: Redis) => c.on('connect', () => (c as unknown as Handles).stream?.unref?.());
  const unrefReconnect = (c: Client) => c.on('reconnecting', () => (c as unknown as Handles).reconnectTimeout?.unref?.());
  if (isCluster(client)) client.on('+node', (node: Redis) => { unref(node); unrefReconnect(node); });
  else unref(client);
  unrefReconnect(client);
}

const connections = new WeakMap<object, RedisConnection>();

/** The shared connection of a backend config (or of a passed-in client). */
function acquireConnection(config: RedisBackendConfig): RedisConnection {
  const owner: object = config.client ?? config;
  let connection = connections.get(owner);
  if (!connection) {
    connection = new RedisConnection(config, () => connections.delete(owner));
    connections.set(owner, connection);
  }
  connection.refs++;
  return connection;
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
  #closed = false;

  constructor(config: RedisBackendConfig, context: StoreContext, role: RedisStoreRole = {}) {
    this.#codec = createCodec(config);
    this.connection = acquireConnection(config);
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

  async get(key: string): Promise<V | Miss> {
    if (this.#pending.blocks(key)) return MISS;
    const k = await this.#dataKey(key);
    if (k === undefined) return MISS;
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
    if (--this.connection.refs === 0) await this.connection.close();
  }
}

/** `StoreFactory` for `"type": "redis"`. Loads ioredis on first call. */
export const createRedisStore: StoreFactory = (config: BackendConfig, context: StoreContext) =>
  new RedisStore(config as RedisBackendConfig, context);

/** The name the backend registry (`backends.ts`) looks for when it loads this module for `"type": "redis"`. */
export const createStore: StoreFactory = createRedisStore;
