/**
 * The memory store's index of number keys: number -> slot in two typed arrays (open addressing,
 * linear probing, deletion by backward shift), where other keys use a `Map`.
 *
 * Why not the `Map`: a full cache replaces one key by another on every insertion, and a `Map`
 * keeps a deleted entry until its table is full, then rehashes into a new table, which V8
 * allocates in the generation of the table it replaces. Once one of them has survived two
 * scavenges (soon, in a process that allocates anything), every later one is allocated in the old
 * generation: no longer collected young, and each operation of a cache of 1000 number keys went
 * from ~60 to ~220-280 ns (lru-cache and @neophi/sieve-cache alike: 73 -> 246, 93 -> 229). Typed
 * arrays are allocated only when the table grows, and their memory is outside the heap.
 *
 * Keys: any number but NaN (the store keeps NaN in its `Map`); 0 and -0 are one key, as in a
 * `Map` (`===`, and `hashNumber` hashes -0 as 0). Grows as `policy/int-map.ts` does (`limitFor`).
 */
import { hashNumber } from '../key-hash.js';
import { limitFor } from '../policy/int-map.js';

/** Slots of the first table (made at the first key). */
const FIRST_SLOTS = 16;
const NO_KEYS = new Float64Array(0);
const NO_SLOTS = new Int32Array(0);

export class NumberSlots {
  #keys = NO_KEYS;
  /** Per table slot: the store slot + 1; 0 = empty. */
  #slots = NO_SLOTS;
  #mask = -1;
  #size = 0;
  #limit = 0;

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** The store slot of `key`, or -1. */
  get(key: number): number {
    if (this.#size === 0) return -1;
    const keys = this.#keys;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = hashNumber(key) & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if (keys[i] === key) return s - 1;
    }
  }

  /** Maps `key` (not NaN) to store slot `slot` (>= 0), replacing what it mapped to. */
  set(key: number, slot: number): void {
    if (this.#size >= this.#limit) this.#grow();
    const keys = this.#keys;
    const slots = this.#slots;
    const mask = this.#mask;
    for (let i = hashNumber(key) & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === 0) {
        keys[i] = key;
        slots[i] = slot + 1;
        this.#size++;
        return;
      }
      if (keys[i] === key) {
        slots[i] = slot + 1;
        return;
      }
    }
  }

  /** Removes `key`; true when it was held. */
  delete(key: number): boolean {
    if (this.#size === 0) return false;
    const keys = this.#keys;
    const slots = this.#slots;
    const mask = this.#mask;
    let i = hashNumber(key) & mask;
    for (; ; i = (i + 1) & mask) {
      if (slots[i] === 0) return false;
      if (keys[i] === key) break;
    }
    // Backward shift: later members of the probe run move into the hole when their home allows it.
    for (let j = (i + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = hashNumber(keys[j]!) & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        keys[i] = keys[j]!;
        slots[i] = slots[j]!;
        i = j;
      }
    }
    slots[i] = 0;
    this.#size--;
    return true;
  }

  /** The store slots of every key held (a copy: the caller may delete while it goes through them). */
  storeSlots(): number[] {
    const out: number[] = [];
    const slots = this.#slots;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) out.push(slots[i]! - 1);
    return out;
  }

  clear(): void {
    this.#slots.fill(0);
    this.#size = 0;
  }

  #grow(): void {
    const oldKeys = this.#keys;
    const oldSlots = this.#slots;
    const length = Math.max(FIRST_SLOTS, 2 * oldSlots.length);
    this.#keys = new Float64Array(length);
    this.#slots = new Int32Array(length);
    this.#mask = length - 1;
    this.#limit = limitFor(length);
    this.#size = 0;
    for (let i = 0; i < oldSlots.length; i++) if (oldSlots[i] !== 0) this.set(oldKeys[i]!, oldSlots[i]! - 1);
  }
}
