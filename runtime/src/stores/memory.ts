/**
 * The `memory` backend: values in a `Map`, with TTL (injected clock), approximate byte accounting
 * and eviction events by cause, on top of a `BoundedCache` whose policy decides what leaves when
 * the store is full.
 *
 * Hits must cost about one `Map` lookup, so accesses are not handed to the policy one by one:
 * the first hit on an entry since the last insertion marks it and queues it, and the queue is
 * replayed into the policy just before the next insertion (the only moment the policy has to
 * decide anything). Further hits on a marked entry cost one flag check. The policy thus sees,
 * per interval between two insertions, which entries were used (not how often, nor in which
 * final order): the same kind of lossy read recording Caffeine does with its read buffers.
 */
import { createBoundedCache, type BoundedCache, type PolicyName } from '../policy/index.js';
import { MISS, type Miss, type SetOptions, type StoreContext, type StoreEvents, type SyncStore } from './types.js';

/** Options of the `memory` backend (the `backends.NAME` entry, merged with the function's options). */
export interface MemoryStoreOptions {
  /** Capacity in entries; `Infinity` for unbounded. Required here (memoize supplies its default, 1000). */
  max: number;
  /** Approximate capacity in bytes; oldest-inserted entries leave first when exceeded. Default: none. */
  maxBytes?: number;
  /** Eviction policy when `max` is reached. Default `'adaptive'`. */
  policy?: PolicyName;
}

type Key = string | number;
/**
 * Integer keys below this are also indexed by an array: an element load costs about half a `Map`
 * lookup, and one small number is the most common argument there is. The array grows only as far
 * as the largest such key seen (at most 8 KB).
 */
const INT_INDEX_LIMIT = 1024;
/** A module-local binding: compiled CommonJS would otherwise read MISS off the imported module object on every miss. */
const miss: Miss = MISS;

interface Entry<V> {
  readonly key: Key;
  value: V;
  /** Used since the last replay into the policy (always true when there is no policy). */
  touched: boolean;
  /** A hit needs no work beyond returning the value: touched and never expiring. One check on the hot path. */
  idle: boolean;
  /** Expiry time (clock ms); 0 = never. */
  expires: number;
  bytes: number;
}


export class MemoryStore<V = unknown> implements SyncStore<V> {
  readonly sync = true;
  readonly kind: string;
  readonly #map = new Map<Key, Entry<V>>();
  /** The same entries as `#map` for integer keys in [0, INT_INDEX_LIMIT). */
  #ints: (Entry<V> | undefined)[] = [];
  readonly #policy: BoundedCache<Key, true> | undefined;
  readonly #maxBytes: number;
  readonly #events: StoreEvents;
  readonly #now: () => number;
  /** Entries hit since the last insertion, not yet replayed into the policy. */
  #touched: Entry<V>[] = [];
  #bytes = 0;
  /** Entries with an expiry time (0 = `size` need not look for expired entries). */
  #timed = 0;

  constructor(options: MemoryStoreOptions, context: StoreContext, kind = 'memory') {
    this.kind = kind;
    this.#events = context.events;
    this.#now = context.now;
    this.#maxBytes = options.maxBytes ?? Infinity;
    this.#policy = options.max === Infinity
      ? undefined
      : createBoundedCache<Key, true>(options.policy ?? 'adaptive', {
        max: options.max,
        onEvict: (key) => this.#evicted(key),
      });
  }

  get(key: Key): V | Miss {
    const e = typeof key === 'number' && key >>> 0 === key && key < INT_INDEX_LIMIT ? this.#ints[key] : this.#map.get(key);
    if (e === undefined) return miss;
    if (e.idle) return e.value;
    return this.#busyHit(key, e);
  }

  /** A hit on an entry that may have expired or must be queued for the policy. */
  #busyHit(key: Key, e: Entry<V>): V | Miss {
    if (e.expires !== 0 && e.expires <= this.#now()) {
      this.#remove(key, e);
      this.#events.evicted('expired', 1, e.bytes);
      return MISS;
    }
    if (!e.touched) {
      e.touched = true;
      e.idle = e.expires === 0;
      this.#touched.push(e);
    }
    return e.value;
  }

  has(key: Key): boolean {
    const e = this.#map.get(key);
    return e !== undefined && (e.expires === 0 || e.expires > this.#now());
  }

  set(key: Key, value: V, options: SetOptions): void {
    const policy = this.#policy;
    if (this.#touched.length > 0) this.#replay(policy!);
    const previous = this.#map.get(key);
    if (previous !== undefined) this.#remove(key, previous);
    const ttl = options.ttlMs;
    const entry: Entry<V> = {
      key,
      value,
      touched: policy === undefined,
      idle: false,
      expires: ttl !== undefined && ttl > 0 && ttl !== Infinity ? this.#now() + ttl : 0,
      bytes: options.bytes ?? 0,
    };
    entry.idle = entry.touched && entry.expires === 0;
    this.#map.set(key, entry);
    if (typeof key === 'number' && key >>> 0 === key && key < INT_INDEX_LIMIT) this.#ints[key] = entry;
    this.#bytes += entry.bytes;
    if (entry.expires !== 0) this.#timed++;
    if (policy !== undefined) policy.set(key, true);
    if (this.#bytes > this.#maxBytes) this.#shrinkToBytes();
  }

  delete(key: Key): boolean {
    const e = this.#map.get(key);
    if (e === undefined) return false;
    this.#remove(key, e);
    this.#events.evicted('explicit', 1, e.bytes);
    return true;
  }

  clear(): void {
    const count = this.#map.size;
    const bytes = this.#bytes;
    this.#map.clear();
    this.#ints = [];
    this.#policy?.clear();
    this.#bytes = 0;
    this.#timed = 0;
    this.#touched = [];
    if (count > 0) this.#events.evicted('explicit', count, bytes);
  }

  /** Live entries; drops expired ones first (so statistics never count dead entries). */
  get size(): number {
    if (this.#timed > 0) this.#purgeExpired();
    return this.#map.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  #unlink(key: Key): void {
    this.#map.delete(key);
    if (typeof key === 'number' && key >>> 0 === key && key < INT_INDEX_LIMIT) this.#ints[key] = undefined;
  }

  #remove(key: Key, e: Entry<V>): void {
    this.#unlink(key);
    this.#policy?.delete(key);
    this.#bytes -= e.bytes;
    if (e.expires !== 0) this.#timed--;
  }

  /** The policy evicted `key` (or refused to admit it). */
  #evicted(key: Key): void {
    const e = this.#map.get(key);
    if (e === undefined) return;
    this.#unlink(key);
    this.#bytes -= e.bytes;
    if (e.expires !== 0) this.#timed--;
    this.#events.evicted('size', 1, e.bytes);
  }

  #replay(policy: BoundedCache<Key, true>): void {
    const touched = this.#touched;
    for (let i = 0; i < touched.length; i++) {
      const e = touched[i]!;
      e.touched = false;
      e.idle = false;
      if (this.#map.get(e.key) === e) policy.get(e.key);
    }
    touched.length = 0;
  }

  #shrinkToBytes(): void {
    let count = 0;
    let bytes = 0;
    for (const [key, e] of this.#map) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#remove(key, e);
      count++;
      bytes += e.bytes;
    }
    if (count > 0) this.#events.evicted('size', count, bytes);
  }

  #purgeExpired(): void {
    const now = this.#now();
    let count = 0;
    let bytes = 0;
    for (const [key, e] of this.#map) {
      if (e.expires !== 0 && e.expires <= now) {
        this.#remove(key, e);
        count++;
        bytes += e.bytes;
      }
    }
    if (count > 0) this.#events.evicted('expired', count, bytes);
  }
}
