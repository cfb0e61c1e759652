/**
 * A bounded FIFO of key hashes: remembers the last `capacity` hashes added (ghost entries of
 * evicted keys). One ring of hashes plus an `IntMap` from hash to ring position; no per-entry objects.
 */
import { IntMap } from './int-map.js';
import { grown } from './lists.js';

export class GhostFifo {
  /** Grows (doubling) until it holds `#max` hashes, then wraps: most caches never evict. */
  #ring: Int32Array;
  readonly #max: number;
  readonly #where: IntMap;
  #pos = 0;
  #filled = 0;

  constructor(capacity: number) {
    this.#max = Math.max(1, capacity);
    this.#ring = new Int32Array(Math.min(this.#max, 16));
    this.#where = new IntMap(); // grows with the ghosts
  }

  add(hash: number): void {
    let ring = this.#ring;
    const p = this.#pos;
    if (this.#filled === this.#max) {
      this.#where.deleteIf(ring[p]!, p);
    } else {
      // Not yet wrapped: p === filled.
      if (p === ring.length) ring = this.#ring = grown(ring, new Int32Array(Math.min(this.#max, 2 * ring.length)));
      this.#filled++;
    }
    ring[p] = hash;
    this.#where.set(hash, p);
    this.#pos = p + 1 === this.#max ? 0 : p + 1;
  }

  /** True when `hash` was among the last `capacity` added (and not taken since); forgets it. */
  take(hash: number): boolean {
    return this.#where.delete(hash);
  }

  clear(): void {
    this.#where.clear();
    this.#pos = 0;
    this.#filled = 0;
  }
}
