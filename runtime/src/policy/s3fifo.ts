import { GhostFifo } from './ghosts.js';
import { FreeSlots, grown, INITIAL_POOL, Lists, nextPool, slotBound } from './lists.js';
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
  #freq: Uint8Array;
  #queue: Uint8Array;
  #hash: Int32Array;
  readonly #ghosts: GhostFifo;
  readonly #smallMax: number;
  /** An entry leaving the small queue goes to main when it was hit at least this often. */
  readonly #promoteAt: number;
  #small = 0;

  constructor(capacity: number, promoteAt = 2) {
    this.capacity = capacity;
    const pool = Math.min(capacity, INITIAL_POOL);
    this.#lists = new Lists(pool, 2);
    this.#free = new FreeSlots(pool);
    this.#freq = new Uint8Array(pool);
    this.#queue = new Uint8Array(pool);
    this.#hash = new Int32Array(pool);
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
    if (slot < 0 && this.#lists.nodes < this.capacity) slot = this.#grow(nextPool(this.#lists.nodes, this.capacity));
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

  /** Enlarges the pool to `nodes` slots and returns a free slot: the full-size policy would have taken the same one. */
  #grow(nodes: number): number {
    this.#lists.grow(nodes);
    this.#free.grow(nodes);
    this.#freq = grown(this.#freq, new Uint8Array(nodes));
    this.#queue = grown(this.#queue, new Uint8Array(nodes));
    this.#hash = grown(this.#hash, new Int32Array(nodes));
    return this.#free.take();
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
    const bound = slotBound(slots, count);
    if (this.#lists.nodes < bound) this.#grow(bound);
    this.clear();
    const used = new Uint8Array(bound);
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
    this.#free.loaded(used);
  }
}
