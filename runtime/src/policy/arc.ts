import { IntMap } from './int-map.js';
import { FreeSlots, grown, INITIAL_POOL, Lists, nextPool, slotBound } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

const T1 = 0;
const T2 = 1;
const B1 = 2;
const B2 = 3;

/**
 * ARC (Megiddo & Modha, FAST'03): resident lists T1 (seen once) and T2 (seen again), ghost lists
 * B1 and B2 of their evicted keys, and a target size `p` for T1 that a ghost hit moves towards
 * the list that would have kept the key. Nodes 0..c-1 are the slots; nodes c..2c-1 are ghosts.
 * The node pool starts with 64 slots and doubles as the cache fills; the ghost nodes are added
 * with the first ghost (when the cache is full): most caches never fill.
 */
export class ArcPolicy implements SlotPolicy {
  readonly capacity: number;
  readonly #lists: Lists;
  readonly #free: FreeSlots;
  readonly #freeGhosts: FreeSlots;
  #list: Uint8Array;
  #hash: Int32Array;
  readonly #ghostOf: IntMap;
  /** One count per list (T1, T2, B1, B2 = 0..3), so `#size[list]!` is always in range. */
  readonly #size = new Int32Array(4);
  #p = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    const pool = Math.min(capacity, INITIAL_POOL);
    this.#lists = new Lists(pool, 4);
    this.#free = new FreeSlots(pool);
    this.#freeGhosts = new FreeSlots(capacity);
    this.#list = new Uint8Array(pool);
    this.#hash = new Int32Array(pool);
    this.#ghostOf = new IntMap(); // grows with the ghosts: most caches never evict
  }

  hit(slot: number): void {
    if (this.#list[slot] === T1) {
      this.#size[T1]!--;
      this.#size[T2]!++;
      this.#list[slot] = T2;
    }
    this.#lists.moveToFront(T2, slot);
  }

  miss(hash: number): number {
    const c = this.capacity;
    const size = this.#size;
    const ghost = this.#ghostOf.get(hash);
    let slot: number;
    let into = T1;
    if (ghost >= 0) {
      const b1 = size[B1]!;
      const b2 = size[B2]!;
      const inB2 = this.#list[ghost] === B2;
      if (inB2) this.#p = Math.max(0, this.#p - Math.max(b1 / b2, 1));
      else this.#p = Math.min(c, this.#p + Math.max(b2 / b1, 1));
      this.#dropGhost(ghost);
      slot = this.#slotFor(inB2);
      into = T2;
    } else {
      const t1 = size[T1]!;
      if (t1 + size[B1]! >= c) {
        if (t1 < c) {
          if (size[B1]! > 0) this.#dropGhost(this.#lists.last(B1));
          slot = this.#slotFor(false);
        } else {
          slot = this.#lists.last(T1);
          this.#lists.unlink(slot);
          size[T1]!--;
        }
      } else {
        if (t1 + size[T2]! + size[B1]! + size[B2]! >= 2 * c && size[B2]! > 0) this.#dropGhost(this.#lists.last(B2));
        slot = this.#slotFor(false);
      }
    }
    this.#hash[slot] = hash;
    this.#list[slot] = into;
    size[into]!++;
    this.#lists.pushFront(into, slot);
    return slot;
  }

  /** A free slot, or the one `replace` frees when the cache is full. */
  #slotFor(inB2: boolean): number {
    let slot = this.#free.take();
    if (slot < 0 && this.#lists.nodes < this.capacity) {
      // The full-size policy would have taken the same slot.
      const nodes = nextPool(this.#lists.nodes, this.capacity);
      this.#free.grow(nodes);
      this.#grow(nodes);
      slot = this.#free.take();
    }
    return slot >= 0 ? slot : this.#replace(inB2);
  }

  /** Enlarges the node pool to `nodes` (the free slots are the caller's). */
  #grow(nodes: number): void {
    this.#lists.grow(nodes);
    this.#list = grown(this.#list, new Uint8Array(nodes));
    this.#hash = grown(this.#hash, new Int32Array(nodes));
  }

  #replace(inB2: boolean): number {
    const size = this.#size;
    const t1 = size[T1]!;
    const fromT1 = t1 > 0 && (t1 > this.#p || (inB2 && t1 === this.#p) || size[T2] === 0);
    const from = fromT1 ? T1 : T2;
    const slot = this.#lists.last(from);
    this.#lists.unlink(slot);
    size[from]!--;
    if (this.#lists.nodes < 2 * this.capacity) this.#grow(2 * this.capacity);
    let g = this.#freeGhosts.take();
    if (g < 0) {
      // Only after explicit deletes can the ghosts outnumber their bound; recycle the oldest.
      g = this.#lists.last(size[B2]! > 0 ? B2 : B1);
      this.#dropGhost(g);
      g = this.#freeGhosts.take();
    }
    const node = this.capacity + g;
    const h = this.#hash[slot]!;
    this.#hash[node] = h;
    const to = fromT1 ? B1 : B2;
    this.#list[node] = to;
    size[to]!++;
    this.#lists.pushFront(to, node);
    this.#ghostOf.set(h, node);
    return slot;
  }

  #dropGhost(node: number): void {
    this.#lists.unlink(node);
    this.#size[this.#list[node]!]!--;
    this.#ghostOf.delete(this.#hash[node]!);
    this.#freeGhosts.free(node - this.capacity);
  }

  remove(slot: number): void {
    this.#size[this.#list[slot]!]!--;
    this.#lists.unlink(slot);
    this.#free.free(slot);
  }

  clear(): void {
    this.#lists.reset();
    this.#free.reset();
    this.#freeGhosts.reset();
    this.#ghostOf.clear();
    this.#size.fill(0);
    this.#p = 0;
  }

  rank(out: Int32Array): number {
    const lists = this.#lists;
    let n = 0;
    for (const l of [T2, T1]) {
      const s = lists.sentinel(l);
      for (let i = lists.first(l); i !== s; i = lists.nextOf(i)) out[n++] = i;
    }
    return n;
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    const bound = slotBound(slots, count);
    if (this.#lists.nodes < bound) {
      this.#free.grow(bound);
      this.#grow(bound);
    }
    this.clear();
    const used = new Uint8Array(bound);
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      used[slot] = 1;
      this.#hash[slot] = hashes[i]!;
      // Kept entries count as seen twice; the others sit in T1, which is emptied first (p = 0).
      const list = i < keep ? T2 : T1;
      this.#list[slot] = list;
      this.#size[list]!++;
      this.#lists.pushBack(list, slot);
    }
    this.#free.loaded(used);
  }
}
