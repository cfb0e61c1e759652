/**
 * A map from 30-bit key hashes (integers in [0, 2^30)) to int32 values, in two typed arrays:
 * open addressing with linear probing, Fibonacci hashing for the home slot, and deletion by
 * backward shift (no tombstones, so lookups never slow down with churn). The policies' ghost
 * lists and shadow simulations look hashes up on every access; a `Map<number, number>` costs a
 * heap-allocated hash table with boxed entries, this costs two array loads in the common case.
 * Grows (doubling) when more than half full; never shrinks.
 */
const EMPTY = -1;

export class IntMap {
  #keys: Int32Array;
  #values: Int32Array;
  #mask: number;
  #shift: number;
  #size = 0;

  /** `expected`: entries it should hold without growing. */
  constructor(expected = 8) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.#keys = new Int32Array(capacity).fill(EMPTY);
    this.#values = new Int32Array(capacity);
    this.#mask = capacity - 1;
    this.#shift = 32 - Math.log2(capacity);
  }

  get size(): number {
    return this.#size;
  }

  #home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.#shift;
  }

  /** The value of `key`, or -1 when absent (values are never negative where this is used). */
  get(key: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = this.#home(key); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return this.#values[i]!;
      if (k === EMPTY) return -1;
    }
  }

  has(key: number): boolean {
    return this.#find(key) >= 0;
  }

  #find(key: number): number {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = this.#home(key); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k === EMPTY) return -1;
    }
  }

  /** Inserts or replaces. `key` must be in [0, 2^30). */
  set(key: number, value: number): void {
    const keys = this.#keys;
    const mask = this.#mask;
    for (let i = this.#home(key); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === key) {
        this.#values[i] = value;
        return;
      }
      if (k === EMPTY) {
        keys[i] = key;
        this.#values[i] = value;
        if (++this.#size * 2 > keys.length) this.#grow();
        return;
      }
    }
  }

  /** Removes `key`; true when it was present. */
  delete(key: number): boolean {
    let i = this.#find(key);
    if (i < 0) return false;
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    // Backward shift: move later members of the probe run into the hole when their home allows it.
    for (let j = (i + 1) & mask; keys[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.#home(keys[j]!);
      // Can the entry at j move to i? Only if its home is not in the cyclic range (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j]!;
        values[i] = values[j]!;
        i = j;
      }
    }
    keys[i] = EMPTY;
    this.#size--;
    return true;
  }

  clear(): void {
    if (this.#size === 0) return;
    this.#keys.fill(EMPTY);
    this.#size = 0;
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    const capacity = keys.length * 2;
    this.#keys = new Int32Array(capacity).fill(EMPTY);
    this.#values = new Int32Array(capacity);
    this.#mask = capacity - 1;
    this.#shift--;
    this.#size = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) this.set(keys[i]!, values[i]!);
  }
}
