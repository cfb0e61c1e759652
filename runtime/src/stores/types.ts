/**
 * The store contract: where a memoized function's values live. One store instance serves one
 * memoized function (its namespace). Stores are synchronous (in-process memory: the hot path) or
 * asynchronous (disk, Redis, Memcached, two-tier). Expiry, eviction and admission are decided by
 * policies inside a store; statistics are reported through `StoreEvents`.
 */

/** Returned by `get` when there is no live value for the key. Distinct from a cached `undefined`. */
export const MISS: unique symbol = Symbol.for('cachelens.miss');
export type Miss = typeof MISS;

/** Why an entry left a store. */
export type EvictionCause = 'size' | 'expired' | 'explicit';

/** Callbacks a store makes so the owning function's statistics stay exact. Cheap, synchronous. */
export interface StoreEvents {
  /** `count` entries holding about `bytes` bytes left the store for `cause`. */
  evicted(cause: EvictionCause, count: number, bytes: number): void;
  /** A remote store failed an operation and answered as a miss / dropped a write (fail open). */
  backendError?(error: Error): void;
}

/** Per-entry options given to `set`. */
export interface SetOptions {
  /** Time to live in milliseconds; `undefined` means no expiry. */
  ttlMs?: number;
  /** Approximate size of the value in bytes (used by byte-bounded stores). */
  bytes?: number;
  /** Tags of the entry, for `AsyncStore.invalidateTags` (stores without tag support ignore them). */
  tags?: readonly string[];
}

/** What every store is told when it is created. */
export interface StoreContext {
  /** The memoized function's stable id (for example `"src/prices.ts#getPrices"`): the namespace. */
  namespace: string;
  /** Statistics sink. */
  events: StoreEvents;
  /** Milliseconds since the epoch; injectable so TTL tests never sleep. */
  now: () => number;
  /**
   * The backend's name in the config file (`backends.NAME`), or its type when used without an
   * entry. Remote stores key their shared client by it. Optional for compatibility.
   */
  backendName?: string;
}

/** Health of a remote backend, shown in statistics and in the panel. */
export type BackendHealth = 'ok' | 'degraded';

/** In-process store: every operation completes synchronously. Keys are strings or numbers. */
export interface SyncStore<V = unknown> {
  readonly sync: true;
  /** Backend type, for statistics (`"memory"`, `"lru"`). */
  readonly kind: string;
  get(key: string | number): V | Miss;
  set(key: string | number, value: V, options: SetOptions): void;
  has(key: string | number): boolean;
  delete(key: string | number): boolean;
  clear(): void;
  /** Live entries held now. */
  readonly size: number;
  /** Approximate bytes held now (0 when sizes are not tracked). */
  readonly bytes: number;
  close?(): void;
}

/** Out-of-process or persistent store. Keys are strings. Must fail open: never reject on a backend failure. */
export interface AsyncStore<V = unknown> {
  readonly sync: false;
  readonly kind: string;
  get(key: string): Promise<V | Miss>;
  set(key: string, value: V, options: SetOptions): Promise<void>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Removes every entry of this namespace (without scanning the whole server's keyspace). */
  clear(): Promise<void>;
  /** Entries/bytes when known cheaply, else undefined. */
  readonly size?: number;
  readonly bytes?: number;
  readonly health?: BackendHealth;
  /**
   * Optional, for stores on a server: true while a `clear` or `delete` the server did not
   * acknowledge (hung, down) is being retried in the background. Meanwhile what it covers is
   * not read here. Read after `clear`/`delete` resolve, it says whether they were confirmed.
   */
  readonly invalidationPending?: boolean;
  /** Releases connections/handles; never keeps the process alive in the meantime. */
  close(): Promise<void>;
  /**
   * Optional cross-process single flight (stampede protection). On a miss, memoize asks for the
   * lock of the key: `acquired` means this caller computes, sets and then releases; otherwise
   * another process is computing, so the caller polls `get` for up to about `ttlMs` before
   * computing anyway (`onceAcrossProcesses` in `stores/remote/stampede.ts` implements that protocol).
   * Fails open: a store that cannot reach its server answers `acquired: true`.
   */
  lock?(key: string, ttlMs: number): Promise<StoreLock>;
  /**
   * Optional synchronous answer from an in-process tier (the two-tier store's L1), without I/O.
   * `MISS` means "not held here: ask `get`". Lets memoize serve L1 hits at in-memory cost.
   */
  peek?(key: string): V | Miss;
  /**
   * Optional in-process tier whose hits are served without I/O and without allocation (the
   * two-tier store's L1): memoize calls `settled.get` straight from its call path. Must stay
   * coherent with `peek`/`get` (same entries).
   */
  readonly settled?: SettledTier;
  /**
   * Optional: removes every entry set with any of `tags`, in every function and process sharing
   * the backend. Resolves with the number of entries removed. Never rejects.
   */
  invalidateTags?(tags: readonly string[]): Promise<number>;
}

/**
 * Synchronous access to an in-process tier by its own keys. `keyOf` maps a store key (a string)
 * to the tier's key, keeping the two forms the in-memory call path computes inline: the store key
 * of one number argument maps to that number, and the store key of one string argument whose
 * first char `memoryKey` takes as is (see memoize/memory-key.ts) maps to that string. So a hot call needs no
 * key text at all.
 */
export interface SettledTier {
  /** The tier's key of a store key. Pure: the same in every process. */
  keyOf(key: string): string | number;
  /** The held value as an already settled promise (the same object on every hit), or `MISS`. */
  get(tierKey: string | number): Promise<unknown> | Miss;
}

/** A cross-process lock on one key, from `AsyncStore.lock`. */
export interface StoreLock {
  /** True when this caller holds the lock and should compute the value. */
  readonly acquired: boolean;
  /** Releases the lock if this caller still holds it (compare-and-delete). Never rejects. */
  release(): Promise<void>;
}

export type Store<V = unknown> = SyncStore<V> | AsyncStore<V>;

/**
 * Builds one store for one memoized function from a backend's config entry (the object under
 * `backends.NAME` in cachelens.config.json, already env-interpolated). Remote backends share one
 * client per backend name across functions.
 */
export type StoreFactory = (config: BackendConfig, context: StoreContext) => Store;

/** A backend entry of the config file. `type` selects the factory; the rest is the backend's own options. */
export interface BackendConfig {
  type: string;
  [option: string]: unknown;
}
