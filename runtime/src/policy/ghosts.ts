/**
 * A bounded FIFO of key hashes: remembers the last `capacity` hashes added (ghost entries of
 * evicted keys). One ring of hashes plus an `IntMap` from hash to ring position; no per-entry objects.
 */
import { IntMap } from './int-map.js';

export class GhostFifo {
  readonly #ring: Int32Array;
  readonly #where: IntMap;
  #pos = 0;
  #filled = 0;

  constructor(capacity: number) {
    this.#ring = new Int32Array(Math.max(1, capacity));
    this.#where = new IntMap(); // grows with the ghosts: most caches never evict
  }

  add(hash: number): void {
    const ring = this.#ring;
    const p = this.#pos;
    if (this.#filled === ring.length) {
      this.#where.deleteIf(ring[p]!, p);
    } else {
      this.#filled++;
    }
    ring[p] = hash;
    this.#where.set(hash, p);
    this.#pos = p + 1 === ring.length ? 0 : p + 1;
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
