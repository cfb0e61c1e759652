import { GhostFifo } from './ghosts.js';
import { FreeSlots, Lists } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

const SMALL = 0;
const MAIN = 1;

/**
 * S3-FIFO (Yang et al., SOSP'23): a small FIFO (10% of capacity) that filters one-hit wonders,
 * a main FIFO with reinsertion (a 2-bit access counter per entry), and a ghost FIFO of hashes
 * recently evicted from the small queue; a key found among the ghosts goes straight to main.
 */
export class S3FifoPolicy implements SlotPolicy {
  readonly capacity: number;
  readonly #lists: Lists;
  readonly #free: FreeSlots;
  readonly #freq: Uint8Array;
  readonly #queue: Uint8Array;
  readonly #hash: Int32Array;
  readonly #ghosts: GhostFifo;
  readonly #smallMax: number;
  /** An entry leaving the small queue goes to main when it was hit at least this often. */
  readonly #promoteAt: number;
  #small = 0;

  constructor(capacity: number, promoteAt = 2) {
    this.capacity = capacity;
    this.#lists = new Lists(capacity, 2);
    this.#free = new FreeSlots(capacity);
    this.#freq = new Uint8Array(capacity);
    this.#queue = new Uint8Array(capacity);
    this.#hash = new Int32Array(capacity);
    this.#smallMax = Math.max(1, Math.round(capacity / 10));
    this.#ghosts = new GhostFifo(capacity - this.#smallMax);
    this.#promoteAt = promoteAt;
  }

  hit(slot: number): void {
    const f = this.#freq[slot]!;
    if (f < 3) this.#freq[slot] = f + 1;
  }

  miss(hash: number): number {
    let slot = this.#free.take();
    if (slot < 0) slot = this.#evict();
    this.#freq[slot] = 0;
    this.#hash[slot] = hash;
    if (this.#ghosts.take(hash)) {
      this.#queue[slot] = MAIN;
      this.#lists.pushFront(MAIN, slot);
    } else {
      this.#queue[slot] = SMALL;
      this.#lists.pushFront(SMALL, slot);
      this.#small++;
    }
    return slot;
  }

  #evict(): number {
    const lists = this.#lists;
    const freq = this.#freq;
    for (;;) {
      if (this.#small >= this.#smallMax || lists.isEmpty(MAIN)) {
        const t = lists.last(SMALL);
        lists.unlink(t);
        this.#small--;
        if (freq[t]! >= this.#promoteAt) {
          freq[t] = 0;
          this.#queue[t] = MAIN;
          lists.pushFront(MAIN, t);
          continue;
        }
        this.#ghosts.add(this.#hash[t]!);
        return t;
      }
      const t = lists.last(MAIN);
      const f = freq[t]!;
      if (f > 0) {
        freq[t] = f - 1;
        lists.moveToFront(MAIN, t);
        continue;
      }
      lists.unlink(t);
      return t;
    }
  }

  remove(slot: number): void {
    if (this.#queue[slot] === SMALL) this.#small--;
    this.#lists.unlink(slot);
    this.#free.free(slot);
  }

  clear(): void {
    this.#lists.reset();
    this.#free.reset();
    this.#ghosts.clear();
    this.#small = 0;
  }

  rank(out: Int32Array): number {
    const lists = this.#lists;
    let n = 0;
    for (const q of [MAIN, SMALL]) {
      const s = lists.sentinel(q);
      for (let i = lists.first(q); i !== s; i = lists.nextOf(i)) out[n++] = i;
    }
    return n;
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    this.clear();
    const used = new Uint8Array(this.capacity);
    const mainMax = this.capacity - this.#smallMax;
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      used[slot] = 1;
      this.#freq[slot] = 0;
      this.#hash[slot] = hashes[i]!;
      const q = i < mainMax && i < keep ? MAIN : SMALL;
      this.#queue[slot] = q;
      this.#lists.pushBack(q, slot);
      if (q === SMALL) this.#small++;
    }
    this.#free.empty();
    this.#free.freeUnused(used);
  }
}
