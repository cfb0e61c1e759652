/**
 * The `memory` backend: values in a `Map`, with TTL (injected clock), approximate byte accounting
 * and eviction events by cause, on top of a `BoundedCache` whose policy decides what leaves when
 * the store is full.
 *
 * Hits must cost about one `Map` lookup, so accesses are not handed to the policy one by one:
 * they are written into a small ring of recent keys and replayed into the policy just before
 * the next insertion (the only moment the policy has to decide anything). When more hits happen
 * between two insertions than the ring holds, the oldest ones are dropped: the policy still sees
 * the most recent accesses, which are the ones eviction decisions depend on.
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

interface Entry<V> {
  value: V;
  /** Expiry time (clock ms); 0 = never. */
  expires: number;
  bytes: number;
}

const RING = 128;
const RING_MASK = RING - 1;

export class MemoryStore<V = unknown> implements SyncStore<V> {
  readonly sync = true;
  readonly kind: string;
  readonly #map = new Map<Key, Entry<V>>();
  readonly #policy: BoundedCache<Key, true> | undefined;
  readonly #maxBytes: number;
  readonly #events: StoreEvents;
  readonly #now: () => number;
  /** Recent hits not yet replayed into the policy. */
  readonly #ring: Key[];
  #ringNext = 0;
  #ringCount = 0;
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
    this.#ring = this.#policy ? new Array<Key>(RING) : [];
  }

  get(key: Key): V | Miss {
    const e = this.#map.get(key);
    if (e === undefined) return MISS;
    if (e.expires !== 0 && e.expires <= this.#now()) {
      this.#remove(key, e);
      this.#events.evicted('expired', 1, e.bytes);
      return MISS;
    }
    if (this.#policy !== undefined) {
      const i = this.#ringNext;
      this.#ring[i] = key;
      this.#ringNext = (i + 1) & RING_MASK;
      this.#ringCount++;
    }
    return e.value;
  }

  has(key: Key): boolean {
    const e = this.#map.get(key);
    return e !== undefined && (e.expires === 0 || e.expires > this.#now());
  }

  set(key: Key, value: V, options: SetOptions): void {
    const policy = this.#policy;
    if (policy !== undefined && this.#ringCount > 0) this.#replay(policy);
    const previous = this.#map.get(key);
    if (previous !== undefined) this.#remove(key, previous);
    const ttl = options.ttlMs;
    const entry: Entry<V> = {
      value,
      expires: ttl !== undefined && ttl > 0 && ttl !== Infinity ? this.#now() + ttl : 0,
      bytes: options.bytes ?? 0,
    };
    this.#map.set(key, entry);
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
    this.#policy?.clear();
    this.#bytes = 0;
    this.#timed = 0;
    this.#ringCount = 0;
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

  #remove(key: Key, e: Entry<V>): void {
    this.#map.delete(key);
    this.#policy?.delete(key);
    this.#bytes -= e.bytes;
    if (e.expires !== 0) this.#timed--;
  }

  /** The policy evicted `key` (or refused to admit it). */
  #evicted(key: Key): void {
    const e = this.#map.get(key);
    if (e === undefined) return;
    this.#map.delete(key);
    this.#bytes -= e.bytes;
    if (e.expires !== 0) this.#timed--;
    this.#events.evicted('size', 1, e.bytes);
  }

  #replay(policy: BoundedCache<Key, true>): void {
    const count = Math.min(this.#ringCount, RING);
    let i = (this.#ringNext - count) & RING_MASK;
    for (let n = 0; n < count; n++) {
      policy.get(this.#ring[i]!);
      i = (i + 1) & RING_MASK;
    }
    this.#ringCount = 0;
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
