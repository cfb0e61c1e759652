/**
 * Intrusive circular doubly linked lists over a fixed pool of integer nodes, all in two
 * Int32Arrays. List `l` has its sentinel at index `nodes + l`, so unlinking never branches.
 */
export class Lists {
  readonly prev: Int32Array;
  readonly next: Int32Array;
  readonly nodes: number;

  constructor(nodes: number, lists: number) {
    this.nodes = nodes;
    this.prev = new Int32Array(nodes + lists);
    this.next = new Int32Array(nodes + lists);
    this.reset();
  }

  /** Empties every list (nodes are left unlinked, pointing to themselves). */
  reset(): void {
    for (let i = 0; i < this.prev.length; i++) {
      this.prev[i] = i;
      this.next[i] = i;
    }
  }

  sentinel(list: number): number {
    return this.nodes + list;
  }

  /** Most recently pushed-front node, or the sentinel when empty. */
  first(list: number): number {
    return this.next[this.nodes + list]!;
  }

  /** Oldest node (the back), or the sentinel when empty. */
  last(list: number): number {
    return this.prev[this.nodes + list]!;
  }

  isEmpty(list: number): boolean {
    const s = this.nodes + list;
    return this.next[s] === s;
  }

  unlink(n: number): void {
    const p = this.prev[n]!;
    const x = this.next[n]!;
    this.next[p] = x;
    this.prev[x] = p;
    this.prev[n] = n;
    this.next[n] = n;
  }

  pushFront(list: number, n: number): void {
    const s = this.nodes + list;
    const f = this.next[s]!;
    this.prev[n] = s;
    this.next[n] = f;
    this.prev[f] = n;
    this.next[s] = n;
  }

  pushBack(list: number, n: number): void {
    const s = this.nodes + list;
    const l = this.prev[s]!;
    this.next[n] = s;
    this.prev[n] = l;
    this.next[l] = n;
    this.prev[s] = n;
  }

  moveToFront(list: number, n: number): void {
    this.unlink(n);
    this.pushFront(list, n);
  }
}

/** A stack of free slot indices, filled so that slot 0 is handed out first. */
export class FreeSlots {
  readonly #stack: Int32Array;
  #top = 0;

  constructor(capacity: number) {
    this.#stack = new Int32Array(capacity);
    this.reset();
  }

  get count(): number {
    return this.#top;
  }

  reset(): void {
    const n = this.#stack.length;
    for (let i = 0; i < n; i++) this.#stack[i] = n - 1 - i;
    this.#top = n;
  }

  /** Marks every slot used (before `load`), then `free` the ones not loaded. */
  empty(): void {
    this.#top = 0;
  }

  take(): number {
    return this.#top === 0 ? -1 : this.#stack[--this.#top]!;
  }

  free(slot: number): void {
    this.#stack[this.#top++] = slot;
  }

  /** After `empty()`: frees every slot whose `used` flag is 0. */
  freeUnused(used: Uint8Array): void {
    for (let i = used.length - 1; i >= 0; i--) if (used[i] === 0) this.free(i);
  }
}
