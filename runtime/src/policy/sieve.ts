import { FreeSlots, grown, INITIAL_POOL, Lists, nextPool, slotBound } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

/**
 * SIEVE (Zhang et al., NSDI'24): a FIFO queue with one visited bit per entry and a hand that
 * sweeps from the oldest entry towards the newest, clearing bits, and evicts the first entry
 * whose bit is clear. Hits only set a bit (no list movement).
 */
export class SievePolicy implements SlotPolicy {
  readonly capacity: number;
  readonly needsHash = false;
  readonly #lists: Lists;
  readonly #free: FreeSlots;
  #visited: Uint8Array;
  /** Next entry the hand examines; the sentinel means "start at the oldest". */
  #hand: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    const pool = Math.min(capacity, INITIAL_POOL);
    this.#lists = new Lists(pool, 1);
    this.#free = new FreeSlots(pool);
    this.#visited = new Uint8Array(pool);
    this.#hand = this.#lists.sentinel(0);
  }

  hit(slot: number): void {
    this.#visited[slot] = 1;
  }

  miss(_hash: number): number {
    let slot = this.#free.take();
    if (slot < 0 && this.#lists.nodes < this.capacity) slot = this.#grow(nextPool(this.#lists.nodes, this.capacity));
    if (slot < 0) slot = this.#sweep();
    this.#visited[slot] = 0;
    this.#lists.pushFront(0, slot);
    return slot;
  }

  /** Enlarges the pool to `nodes` slots and returns a free slot: the full-size policy would have taken the same one. */
  #grow(nodes: number): number {
    const sentinel = this.#hand === this.#lists.sentinel(0);
    this.#lists.grow(nodes);
    this.#free.grow(nodes);
    this.#visited = grown(this.#visited, new Uint8Array(nodes));
    if (sentinel) this.#hand = this.#lists.sentinel(0);
    return this.#free.take();
  }

  #sweep(): number {
    const lists = this.#lists;
    const s = lists.sentinel(0);
    const visited = this.#visited;
    let h = this.#hand === s ? lists.last(0) : this.#hand;
    while (visited[h] !== 0) {
      visited[h] = 0;
      h = lists.prevOf(h);
      if (h === s) h = lists.prevOf(s);
    }
    this.#hand = lists.prevOf(h);
    lists.unlink(h);
    return h;
  }

  remove(slot: number): void {
    if (this.#hand === slot) this.#hand = this.#lists.prevOf(slot);
    this.#lists.unlink(slot);
    this.#free.free(slot);
  }

  clear(): void {
    this.#lists.reset();
    this.#free.reset();
    this.#visited.fill(0);
    this.#hand = this.#lists.sentinel(0);
  }

  rank(out: Int32Array): number {
    // Visited entries first (they survive the next sweep), then newest to oldest.
    const lists = this.#lists;
    const s = lists.sentinel(0);
    let n = 0;
    for (let pass = 1; pass >= 0; pass--) {
      for (let i = lists.first(0); i !== s; i = lists.nextOf(i)) if (this.#visited[i] === pass) out[n++] = i;
    }
    return n;
  }

  load(slots: Int32Array, _hashes: Int32Array, count: number, keep: number): void {
    const bound = slotBound(slots, count);
    if (this.#lists.nodes < bound) this.#grow(bound);
    this.#lists.reset();
    this.#visited.fill(0);
    this.#hand = this.#lists.sentinel(0);
    const used = new Uint8Array(bound);
    for (let i = 0; i < count; i++) {
      this.#lists.pushBack(0, slots[i]!);
      used[slots[i]!] = 1;
      // Kept entries survive the first sweep; the others are at the old end, evicted first.
      if (i < keep) this.#visited[slots[i]!] = 1;
    }
    this.#free.loaded(used);
  }
}
