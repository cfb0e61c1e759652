/**
 * The Redis connection layer: one ioredis client (and one subscriber) shared by every function's
 * store of one backend config, with what those stores share through it: the fail-open guard,
 * generation caches, pending invalidations, and pub/sub invalidation messages (`listen`,
 * `publish`, `listening`), which the two-tier store uses directly. Shared and closed through
 * `remote/shared.ts`.
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { BackendHealth, StoreEvents } from './types.js';
import { BackendConfigError } from './remote/errors.js';
import { GenerationCache } from './remote/generation.js';
import { PendingInvalidations } from './remote/pending.js';
import { msOption } from './remote/options.js';
import { FailOpenGuard } from './remote/guard.js';
import { keyPart } from './remote/keys.js';
import { SharedConnections } from './remote/shared.js';
import { createRedisClient, type Client } from './redis-client.js';
import { ReadBatcher } from './redis-reads.js';
import type { RedisBackendConfig } from './redis.js';

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

/** One ioredis client (+ subscriber) shared by every function's store of one backend config. */
export class RedisConnection {
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
  /** The reads of the stores on this connection: a tick's as one MGET (`redis-reads.ts`), one GET each on a Cluster. */
  readonly reads: ReadBatcher;
  readonly #listeners = new Map<string, Set<(message: InvalidationMessage) => void>>();
  readonly #ownsClient: boolean;
  #subscriber: Client | undefined;
  #ready: Promise<void> | undefined;
  #everReady = false;
  /** The one bounded wait for the first connection is over (connected or timed out). */
  #waited = false;
  #connectTimeout = 0;

  constructor(config: RedisBackendConfig) {
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
    this.client = config.client ?? createRedisClient(config, commandTimeout, connectTimeout);
    this.reads = new ReadBatcher(this.client, !isCluster(this.client));
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

  #subscribe(): void {
    const sub = isCluster(this.client)
      ? this.client.duplicate(undefined, { enableOfflineQueue: true, enableAutoPipelining: false })
      // ioredis's own resubscription after a reconnect sends a SUBSCRIBE whose promise no one
      // handles: closed before the reply, it was an unhandled rejection (which ends a Node process
      // by default). This connection resubscribes itself, on 'ready', and handles the answer.
      : this.client.duplicate({ enableOfflineQueue: true, enableAutoPipelining: false, lazyConnect: false, autoResubscribe: false });
    this.#subscriber = sub;
    sub.on('error', () => undefined);
    unrefSockets(sub);
    let connectedBefore = false;
    sub.on('ready', () => {
      if (connectedBefore) {
        if (!isCluster(sub)) sub.subscribe(this.channel).catch(() => undefined);
        // Messages sent while the subscriber was away are lost: re-read every generation soon.
        for (const gen of this.generations.values()) gen.stale();
      }
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

/** The connections of Redis backends, by config object (or passed-in client). */
export const redisConnections = new SharedConnections<RedisConnection>();
