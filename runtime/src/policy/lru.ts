import { FreeSlots, Lists } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

/** Least recently used: one recency list; the back leaves first. */
export class LruPolicy implements SlotPolicy {
  readonly capacity: number;
  readonly #lists: Lists;
  readonly #free: FreeSlots;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#lists = new Lists(capacity, 1);
    this.#free = new FreeSlots(capacity);
  }

  hit(slot: number): void {
    this.#lists.moveToFront(0, slot);
  }

  miss(_hash: number): number {
    let slot = this.#free.take();
    if (slot < 0) slot = this.#lists.last(0);
    this.#lists.moveToFront(0, slot);
    return slot;
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
    this.#lists.reset();
    const used = new Uint8Array(this.capacity);
    for (let i = 0; i < count; i++) {
      this.#lists.pushBack(0, slots[i]!);
      used[slots[i]!] = 1;
    }
    this.#free.empty();
    this.#free.freeUnused(used);
  }
}
