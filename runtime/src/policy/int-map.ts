/**
 * A map from 30-bit key hashes (integers in [0, 2^30)) to int32 values, in one typed array of
 * (key, value) pairs: open addressing with linear probing, Fibonacci hashing for the home slot,
 * and deletion by backward shift (no tombstones, so lookups never slow down with churn). The
 * policies' ghost lists and shadow simulations look hashes up on every access; a
 * `Map<number, number>` costs a heap-allocated hash table with boxed entries, this costs one
 * cache line in the common case (a key and its value sit side by side).
 * Grows (doubling) when more than a quarter full (up to 8,192 slots) or half full (larger:
 * `limitFor`); never shrinks.
 */
const EMPTY = -1;

/**
 * Tables up to this many slots (64 KB) are kept at most a quarter full, larger ones at most half
 * (`limitFor`). A probe sequence ends at the first empty slot, and how many slots it passes varies
 * from lookup to lookup: at up to half full most of a lookup's time was the mispredicted branches
 * of that loop (a FIFO of 1,000 hashes, delete + lookup + insert: 71 ns at 49% full, 35 at 25%).
 * The adaptive policy's ghost histories and shadow index make 8-9 lookups per access; at the
 * default `max` (1000) this bound keeps them all sparse: 9% less per access for ~96 KB more per
 * full cache (~700 KB of simulations). Above it the memory of long ghost histories counts more.
 */
const SPARSE_SLOTS = 8192;

/**
 * Entries an open-addressing table of `slots` slots holds before it doubles: this one's, and the
 * memory store's index of number keys (`stores/number-slots.ts`), for the same reason.
 */
export function limitFor(slots: number): number {
  return slots <= SPARSE_SLOTS ? slots >>> 2 : slots >>> 1;
}

export class IntMap {
  /** Slot i holds its key at 2i and its value at 2i + 1; EMPTY keys mark free slots. */
  #table: Int32Array;
  #mask: number;
  #shift: number;
  #size = 0;
  /** Entries it holds before it grows (`limitFor`). */
  #limit: number;
  /** Slot of the entry `getOrReserve` made last (its value written by `fillReserved`). */
  #reserved = 0;

  /** `expected`: entries it should hold without growing. */
  constructor(expected = 8) {
    let capacity = 16;
    while (limitFor(capacity) < expected) capacity *= 2;
    this.#table = IntMap.#empty(capacity);
    this.#mask = capacity - 1;
    this.#shift = 32 - Math.log2(capacity);
    this.#limit = limitFor(capacity);
  }

  static #empty(capacity: number): Int32Array {
    const table = new Int32Array(2 * capacity);
    for (let i = 0; i < table.length; i += 2) table[i] = EMPTY;
    return table;
  }

  get size(): number {
    return this.#size;
  }

  #home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> this.#shift;
  }

  /** Slot holding `key`, or -1. */
  #find(key: number): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let i = this.#home(key); ; i = (i + 1) & mask) {
      const k = table[2 * i]!;
      if (k === key) return i;
      if (k === EMPTY) return -1;
    }
  }

  /** The value of `key`, or -1 when absent (values are never negative where this is used). */
  get(key: number): number {
    const i = this.#find(key);
    return i < 0 ? -1 : this.#table[2 * i + 1]!;
  }

  has(key: number): boolean {
    return this.#find(key) >= 0;
  }

  /** Inserts or replaces. `key` must be in [0, 2^30). */
  set(key: number, value: number): void {
    const table = this.#table;
    const mask = this.#mask;
    for (let i = this.#home(key); ; i = (i + 1) & mask) {
      const k = table[2 * i]!;
      if (k === key) {
        table[2 * i + 1] = value;
        return;
      }
      if (k === EMPTY) {
        table[2 * i] = key;
        table[2 * i + 1] = value;
        if (++this.#size > this.#limit) this.#grow();
        return;
      }
    }
  }

  /**
   * The value of `key` when present; else -1, with an entry for `key` made (one probe where `get`
   * then `set` take two): `fillReserved` gives it its value, before any other call changes the map.
   */
  getOrReserve(key: number): number {
    // Grown first, so the reserved slot stays where it is (the table grows when the same `set` would).
    if (this.#size === this.#limit) this.#grow();
    const table = this.#table;
    const mask = this.#mask;
    for (let i = this.#home(key); ; i = (i + 1) & mask) {
      const k = table[2 * i]!;
      if (k === key) return table[2 * i + 1]!;
      if (k === EMPTY) {
        table[2 * i] = key;
        this.#size++;
        this.#reserved = i;
        return -1;
      }
    }
  }

  /** Sets the value of the entry `getOrReserve` made last. */
  fillReserved(value: number): void {
    this.#table[2 * this.#reserved + 1] = value;
  }

  /** Removes `key`; true when it was present. */
  delete(key: number): boolean {
    const i = this.#find(key);
    if (i < 0) return false;
    this.#removeAt(i);
    return true;
  }

  /** Removes `key` only if it maps to `value` (one probe instead of a get and a delete); true when removed. */
  deleteIf(key: number, value: number): boolean {
    const i = this.#find(key);
    if (i < 0 || this.#table[2 * i + 1] !== value) return false;
    this.#removeAt(i);
    return true;
  }

  #removeAt(hole: number): void {
    const table = this.#table;
    const mask = this.#mask;
    let i = hole;
    // Backward shift: move later members of the probe run into the hole when their home allows it.
    for (let j = (i + 1) & mask; table[2 * j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.#home(table[2 * j]!);
      // Can the entry at j move to i? Only if its home is not in the cyclic range (i, j].
      if (((j - home) & mask) >= ((j - i) & mask)) {
        table[2 * i] = table[2 * j]!;
        table[2 * i + 1] = table[2 * j + 1]!;
        i = j;
      }
    }
    table[2 * i] = EMPTY;
    this.#size--;
  }

  clear(): void {
    if (this.#size === 0) return;
    const table = this.#table;
    for (let i = 0; i < table.length; i += 2) table[i] = EMPTY;
    this.#size = 0;
  }

  #grow(): void {
    const old = this.#table;
    const capacity = old.length; // slots double: old.length / 2 slots now, old.length after
    this.#table = IntMap.#empty(capacity);
    this.#mask = capacity - 1;
    this.#shift--;
    this.#limit = limitFor(capacity);
    this.#size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== EMPTY) this.set(old[i]!, old[i + 1]!);
  }
}
