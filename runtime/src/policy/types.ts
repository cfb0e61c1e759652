/**
 * The contract between the in-memory store and an eviction policy. A policy decides which entry
 * leaves when the cache is full (and may refuse to admit a new one); it never knows about TTLs,
 * byte sizes or statistics, which the store layers on top.
 */

/**
 * Names of the built-in policies. `adaptive` is the default for the bounded `memory` backend: it
 * runs whichever of the others its shadow simulations show winning on the current workload.
 * `lru` least recently used; `arc` ARC; `lirs` LIRS; `sieve` SIEVE; `s3fifo` S3-FIFO;
 * `wtinylfu` W-TinyLFU with the hill-climbing window.
 */
export type PolicyName = 'adaptive' | 'lru' | 'arc' | 'lirs' | 'sieve' | 's3fifo' | 'wtinylfu';

export interface BoundedCacheOptions<K, V> {
  /** Capacity in entries. Integer >= 1. Required. */
  max: number;
  /**
   * Called synchronously when the policy removes an entry to make room, or refuses to admit the
   * entry just offered to `set` (then with that entry). Not called by `delete` or `clear`.
   */
  onEvict?: (key: K, value: V) => void;
}

/**
 * A bounded map whose eviction order a policy decides. Synchronous; `get` on a present key
 * allocates nothing.
 */
export interface BoundedCache<K, V> {
  /** Entries held now. Never exceeds `max`. */
  readonly size: number;
  /** Capacity in entries. */
  readonly max: number;
  /** Looks up a key and records the access (it counts for the policy). */
  get(key: K): V | undefined;
  /** Looks up a key without recording an access. */
  peek(key: K): V | undefined;
  has(key: K): boolean;
  /** Inserts or replaces. When full, evicts per the policy (calling `onEvict`). */
  set(key: K, value: V): void;
  /** Removes a key; true when it was present. */
  delete(key: K): boolean;
  clear(): void;
  /** Keys held now, in no particular order. */
  keys(): IterableIterator<K>;
}
