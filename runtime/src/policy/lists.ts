/**
 * Intrusive circular doubly linked lists over a fixed pool of integer nodes, in one Int32Array:
 * node `n`'s previous and next links sit side by side (`2n`, `2n + 1`), so moving a node touches
 * one cache line per node rather than one in each of two arrays (the pools of the larger
 * policies, LIRS's with its non-resident entries, do not fit in the CPU caches). List `l` has
 * its sentinel at node `nodes + l`, so unlinking never branches.
 */
export class Lists {
  #links: Int32Array;
  /** Nodes in the pool (ids 0 .. nodes - 1); more with `grow`. */
  nodes: number;

  constructor(nodes: number, lists: number) {
    this.nodes = nodes;
    this.#links = new Int32Array(2 * (nodes + lists));
    this.reset();
  }

  /** Empties every list (nodes are left unlinked, pointing to themselves). */
  reset(): void {
    const links = this.#links;
    for (let i = 0; i < links.length; i += 2) {
      links[i] = i >> 1;
      links[i + 1] = i >> 1;
    }
  }

  /**
   * Enlarges the pool to `nodes` (more than now), keeping every list: the sentinels move to the
   * new end, and links to them follow. New nodes are unlinked. Callers double. The nodes' links
   * are copied as a block and only the two per list that name its sentinel (its first node's
   * previous, its last node's next) are rewritten: growth happens while the code is still cold
   * (a cache filling for the first time), where a loop over every link ran interpreted, 16 ms of
   * the ~100 an adaptive cache of 1,000 entries took over its first 5,000 misses.
   */
  grow(nodes: number): void {
    const old = this.nodes;
    const from = this.#links;
    const lists = (from.length >> 1) - old;
    const shift = nodes - old;
    const links = new Int32Array(2 * (nodes + lists));
    links.set(from.subarray(0, 2 * old));
    for (let n = old; n < nodes; n++) {
      links[2 * n] = n;
      links[2 * n + 1] = n;
    }
    for (let l = 0; l < lists; l++) {
      const s = old + l;
      const last = from[2 * s]!;
      const first = from[2 * s + 1]!;
      // An empty list's sentinel names itself; else its last node names it as next, its first as previous.
      links[2 * (s + shift)] = last === s ? s + shift : last;
      links[2 * (s + shift) + 1] = first === s ? s + shift : first;
      if (first !== s) links[2 * first] = s + shift;
      if (last !== s) links[2 * last + 1] = s + shift;
    }
    this.#links = links;
    this.nodes = nodes;
  }

  sentinel(list: number): number {
    return this.nodes + list;
  }

  /** The node after `n` (towards the back); a list's sentinel after its last node. */
  nextOf(n: number): number {
    return this.#links[2 * n + 1]!;
  }

  /** The node before `n` (towards the front); a list's sentinel before its first node. */
  prevOf(n: number): number {
    return this.#links[2 * n]!;
  }

  /** Most recently pushed-front node, or the sentinel when empty. */
  first(list: number): number {
    return this.#links[2 * (this.nodes + list) + 1]!;
  }

  /** Oldest node (the back), or the sentinel when empty. */
  last(list: number): number {
    return this.#links[2 * (this.nodes + list)]!;
  }

  isEmpty(list: number): boolean {
    const s = this.nodes + list;
    return this.#links[2 * s + 1] === s;
  }

  unlink(n: number): void {
    const links = this.#links;
    const p = links[2 * n]!;
    const x = links[2 * n + 1]!;
    links[2 * p + 1] = x;
    links[2 * x] = p;
    links[2 * n] = n;
    links[2 * n + 1] = n;
  }

  pushFront(list: number, n: number): void {
    const links = this.#links;
    const s = this.nodes + list;
    const f = links[2 * s + 1]!;
    links[2 * n] = s;
    links[2 * n + 1] = f;
    links[2 * f] = n;
    links[2 * s + 1] = n;
  }

  pushBack(list: number, n: number): void {
    const links = this.#links;
    const s = this.nodes + list;
    const l = links[2 * s]!;
    links[2 * n + 1] = s;
    links[2 * n] = l;
    links[2 * l + 1] = n;
    links[2 * s] = n;
  }

  moveToFront(list: number, n: number): void {
    this.unlink(n);
    this.pushFront(list, n);
  }
}

/** The stack of every `FreeSlots` that has not freed a slot yet (shared, never written: `free` grows it first). */
const NO_SLOTS = new Int32Array(0);

/**
 * The free slots of a pool: those freed since (a stack, taken first, the last freed on top), then
 * the never-used ones, lowest first. The stack grows with what is freed, so a pool that is only
 * filled costs nothing per slot here.
 */
export class FreeSlots {
  #stack: Int32Array;
  #top = 0;
  /** Slots `#next .. #capacity - 1` were never handed out. */
  #next = 0;
  #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
    this.#stack = NO_SLOTS;
  }

  get count(): number {
    return this.#top + this.#capacity - this.#next;
  }

  reset(): void {
    this.#top = 0;
    this.#next = 0;
  }

  /**
   * Starts over (a policy's `load`) with the slots flagged in `used` taken and the other slots
   * below `used.length` free, lowest taken first; the slots from `used.length` on were never handed
   * out (the pool must hold `used.length` slots). So loading costs the slots in use, not the capacity.
   */
  loaded(used: Uint8Array): void {
    this.#top = 0;
    this.#next = used.length;
    for (let i = used.length - 1; i >= 0; i--) if (used[i] === 0) this.free(i);
  }

  take(): number {
    if (this.#top > 0) return this.#stack[--this.#top]!;
    return this.#next < this.#capacity ? this.#next++ : -1;
  }

  /**
   * Adds the slots `capacity now .. capacity - 1`, free: taken lowest first, after the slots free
   * now (callers grow when `take` finds none).
   */
  grow(capacity: number): void {
    this.#capacity = capacity;
  }

  free(slot: number): void {
    if (this.#top === this.#stack.length) {
      const stack = new Int32Array(2 * this.#stack.length + 16);
      stack.set(this.#stack);
      this.#stack = stack;
    }
    this.#stack[this.#top++] = slot;
  }
}

/** One past the highest of `slots[0 .. count)` (0 when there are none): how far a loaded policy's per-slot arrays must reach. */
export function slotBound(slots: Int32Array, count: number): number {
  let bound = 0;
  for (let i = 0; i < count; i++) if (slots[i]! >= bound) bound = slots[i]! + 1;
  return bound;
}

/** Slots a policy's pool starts with; it doubles, up to the capacity, when a miss finds no free slot (most caches never fill). */
export const INITIAL_POOL = 64;

/** The pool size after `nodes` when it must grow towards `capacity`. */
export function nextPool(nodes: number, capacity: number): number {
  return Math.min(capacity, Math.max(INITIAL_POOL, 2 * nodes));
}

/** The length per-slot arrays of `length` grow to so as to hold `slots` slots: doubling, at least `slots`, at most `capacity`. */
export function doubledLength(length: number, slots: number, capacity: number): number {
  return Math.min(capacity, Math.max(slots, 2 * length));
}

/** `to` (a larger, initialised array) with `from` copied to its start: how the pools' arrays grow. */
export function grown<T extends Int32Array | Int16Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
