import { hashKey } from '../key-hash.js';
import type { SlotPolicy } from './slot-policy.js';
import type { BoundedCache } from './types.js';

/**
 * The storage half of a bounded cache: a Map from key to slot, and keys and values in two arrays
 * indexed by slot. Which slot a new key takes, and so which entry leaves, is the policy's call.
 */
export class SlotCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> implements BoundedCache<K, V> {
  readonly max: number;
  readonly #policy: SlotPolicy;
  readonly #slots = new Map<K, number>();
  readonly #keys: (K | undefined)[];
  readonly #values: (V | undefined)[];
  readonly #onEvict: ((key: K, value: V) => void) | undefined;
  /** The policy reads the key hashes it is given (`SlotPolicy.needsHash`). */
  readonly #hashed: boolean;
  /**
   * The key of the last `get` that found nothing, until the next `set` (which then need not look it
   * up). Primitive keys only: a cache should not keep an object alive that it was only asked about.
   */
  #absent: K | undefined;

  constructor(policy: SlotPolicy, onEvict?: (key: K, value: V) => void) {
    this.max = policy.capacity;
    this.#policy = policy;
    this.#keys = new Array<K | undefined>(this.max).fill(undefined);
    this.#values = new Array<V | undefined>(this.max).fill(undefined);
    this.#onEvict = onEvict;
    this.#hashed = policy.needsHash !== false;
  }

  get size(): number {
    return this.#slots.size;
  }

  get(key: K): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      if (typeof key !== 'object' && typeof key !== 'function') this.#absent = key;
      return undefined;
    }
    this.#policy.hit(slot);
    return this.#values[slot];
  }

  /** The key held in `slot` (for the policy, which knows slots, not keys). */
  keyIn(slot: number): K | undefined {
    return this.#keys[slot];
  }

  peek(key: K): V | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : this.#values[slot];
  }

  has(key: K): boolean {
    return this.#slots.has(key);
  }

  set(key: K, value: V): void {
    let slot = key === this.#absent ? undefined : this.#slots.get(key);
    this.#absent = undefined;
    if (slot !== undefined) {
      this.#values[slot] = value;
      this.#policy.hit(slot);
      return;
    }
    slot = this.#policy.miss(this.#hashed ? hashKey(key) : 0);
    if (slot < 0) {
      this.#onEvict?.(key, value);
      return;
    }
    const old = this.#keys[slot];
    const oldValue = this.#values[slot];
    this.#keys[slot] = key;
    this.#values[slot] = value;
    this.#slots.set(key, slot);
    if (old !== undefined) {
      this.#slots.delete(old);
      this.#onEvict?.(old, oldValue!);
    }
  }

  delete(key: K): boolean {
    const slot = this.#slots.get(key);
    if (slot === undefined) return false;
    this.#slots.delete(key);
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
    this.#policy.remove(slot);
    return true;
  }

  clear(): void {
    this.#slots.clear();
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#policy.clear();
  }

  keys(): IterableIterator<K> {
    return this.#slots.keys();
  }
}
