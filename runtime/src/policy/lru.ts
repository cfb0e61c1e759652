import { FreeSlots, INITIAL_POOL, Lists, nextPool, slotBound } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

/** Least recently used: one recency list; the back leaves first. */
export class LruPolicy implements SlotPolicy {
  readonly capacity: number;
  readonly needsHash = false;
  readonly #lists: Lists;
  readonly #free: FreeSlots;

  constructor(capacity: number) {
    this.capacity = capacity;
    const pool = Math.min(capacity, INITIAL_POOL);
    this.#lists = new Lists(pool, 1);
    this.#free = new FreeSlots(pool);
  }

  hit(slot: number): void {
    this.#lists.moveToFront(0, slot);
  }

  miss(_hash: number): number {
    let slot = this.#free.take();
    if (slot < 0 && this.#lists.nodes < this.capacity) slot = this.#grow();
    if (slot < 0) slot = this.#lists.last(0);
    this.#lists.moveToFront(0, slot);
    return slot;
  }

  /** Doubles the pool (up to `capacity`) and returns a free slot: the full-size policy would have taken the same one. */
  #grow(): number {
    const nodes = nextPool(this.#lists.nodes, this.capacity);
    this.#lists.grow(nodes);
    this.#free.grow(nodes);
    return this.#free.take();
  }

  remove(slot: number): void {
    this.#lists.unlink(slot);
    this.#free.free(slot);
  }

  clear(): void {
    this.#lists.reset();
    this.#free.reset();
  }

  rank(out: Int32Array): number {
    const lists = this.#lists;
    const s = lists.sentinel(0);
    let n = 0;
    for (let i = lists.first(0); i !== s; i = lists.nextOf(i)) out[n++] = i;
    return n;
  }

  load(slots: Int32Array, _hashes: Int32Array, count: number, _keep: number): void {
    const bound = slotBound(slots, count);
    if (this.#lists.nodes < bound) {
      this.#lists.grow(bound);
      this.#free.grow(bound);
    }
    this.#lists.reset();
    const used = new Uint8Array(bound);
    for (let i = 0; i < count; i++) {
      this.#lists.pushBack(0, slots[i]!);
      used[slots[i]!] = 1;
    }
    this.#free.loaded(used);
  }
}
