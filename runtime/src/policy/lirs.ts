import { IntMap } from './int-map.js';
import { FreeSlots, grown, INITIAL_POOL, Lists, nextPool, slotBound } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

const LIR = 1;
const HIR = 2;
/** Lists over the queue links: resident HIR entries, and non-resident ones in age order. */
const Q = 0;
const NR = 1;

/**
 * LIRS (Jiang & Zhang, SIGMETRICS'02). Entries with a short reuse distance (LIR) hold ~99% of
 * the slots; the rest (resident HIR, queue Q) is where new keys wait and where eviction
 * happens. The recency stack S also remembers non-resident HIR keys, so a key that comes back
 * soon after eviction is recognised as LIR. Non-resident history is bounded to `10 * capacity`.
 * Nodes (entries of S/Q) are separate from slots because a key outlives its slot in S.
 */
export class LirsPolicy implements SlotPolicy {
  readonly capacity: number;
  readonly #lirMax: number;
  readonly #ghostMax: number;
  readonly #stack: Lists;
  readonly #queues: Lists;
  readonly #freeSlots: FreeSlots;
  readonly #freeNodes: FreeSlots;
  /** Node of each slot; grows (doubling) as higher slots are handed out. */
  #slotNode: Int32Array;
  /** The node pool starts with room for the resident entries and grows (by half) with the non-resident ones, up to `#nodeMax`. */
  readonly #nodeMax: number;
  #nodeSlot: Int32Array;
  #hash: Int32Array;
  #state: Uint8Array;
  #inStack: Uint8Array;
  readonly #ghostOf: IntMap;
  #lir = 0;
  #ghosts = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    const hirMax = capacity < 2 ? 0 : Math.max(1, Math.floor(capacity / 100));
    this.#lirMax = capacity - hirMax;
    this.#ghostMax = 10 * capacity;
    this.#nodeMax = capacity + this.#ghostMax + 1;
    const nodes = Math.min(capacity + 1, INITIAL_POOL); // grown on demand: most caches never fill, and never hold a ghost
    this.#stack = new Lists(nodes, 1);
    this.#queues = new Lists(nodes, 2);
    this.#freeSlots = new FreeSlots(capacity);
    this.#freeNodes = new FreeSlots(nodes);
    this.#slotNode = new Int32Array(Math.min(capacity, INITIAL_POOL));
    this.#nodeSlot = new Int32Array(nodes).fill(-1);
    this.#hash = new Int32Array(nodes);
    this.#state = new Uint8Array(nodes);
    this.#inStack = new Uint8Array(nodes);
    this.#ghostOf = new IntMap(); // grows with the ghosts: most caches never evict
  }

  hit(slot: number): void {
    const x = this.#slotNode[slot]!;
    const stack = this.#stack;
    if (this.#state[x] === LIR) {
      const wasBottom = stack.last(0) === x;
      stack.moveToFront(0, x);
      if (wasBottom) this.#prune();
    } else if (this.#inStack[x] !== 0) {
      stack.moveToFront(0, x);
      this.#queues.unlink(x);
      this.#state[x] = LIR;
      this.#lir++;
      if (this.#lir > this.#lirMax) this.#demoteBottom();
    } else {
      stack.pushFront(0, x);
      this.#inStack[x] = 1;
      this.#queues.moveToFront(Q, x);
    }
  }

  miss(hash: number): number {
    let x = this.#ghostOf.get(hash);
    const wasGhost = x >= 0;
    if (wasGhost) {
      this.#ghostOf.delete(hash);
      this.#queues.unlink(x);
      this.#ghosts--;
      // Resident from now on, so that pruning during the eviction below keeps the node.
      this.#nodeSlot[x] = this.capacity;
    }
    let slot = this.#freeSlots.take();
    if (slot < 0) slot = this.#evict();
    else if (slot >= this.#slotNode.length) this.#slotNode = grown(this.#slotNode, new Int32Array(nextPool(slot, this.capacity)));
    if (!wasGhost) {
      x = this.#freeNodes.take();
      if (x < 0) x = this.#growNodes();
      this.#hash[x] = hash;
    }
    this.#nodeSlot[x] = slot;
    this.#slotNode[slot] = x;
    const stack = this.#stack;
    if (wasGhost || this.#lir < this.#lirMax) {
      this.#state[x] = LIR;
      this.#lir++;
      if (wasGhost) stack.moveToFront(0, x);
      else stack.pushFront(0, x);
      this.#inStack[x] = 1;
      if (this.#lir > this.#lirMax) this.#demoteBottom();
    } else {
      this.#state[x] = HIR;
      stack.pushFront(0, x);
      this.#inStack[x] = 1;
      this.#queues.pushFront(Q, x);
    }
    return slot;
  }

  /**
   * Grows the node pool by half (up to `#nodeMax`) and returns a free node. By half rather than
   * doubling: under churn the pool fills with non-resident history, and a doubled pool was up to
   * half unused (at 1,000 entries on a Zipf stream, 8,192 nodes for ~4,100-5,100 in use).
   */
  #growNodes(): number {
    const old = this.#stack.nodes;
    const nodes = Math.min(this.#nodeMax, old + Math.max(1, old >> 1));
    this.#stack.grow(nodes);
    this.#queues.grow(nodes);
    this.#freeNodes.grow(nodes);
    this.#nodeSlot = grown(this.#nodeSlot, new Int32Array(nodes).fill(-1));
    this.#hash = grown(this.#hash, new Int32Array(nodes));
    this.#state = grown(this.#state, new Uint8Array(nodes));
    this.#inStack = grown(this.#inStack, new Uint8Array(nodes));
    return this.#freeNodes.take();
  }

  /** Evicts the oldest resident HIR entry and returns its slot. */
  #evict(): number {
    const queues = this.#queues;
    if (queues.isEmpty(Q)) this.#demoteBottom();
    const y = queues.last(Q);
    queues.unlink(y);
    const slot = this.#nodeSlot[y]!;
    this.#nodeSlot[y] = -1;
    if (this.#inStack[y] !== 0) {
      this.#ghostOf.set(this.#hash[y]!, y);
      queues.pushFront(NR, y);
      if (++this.#ghosts > this.#ghostMax) {
        const z = queues.last(NR);
        queues.unlink(z);
        this.#stack.unlink(z);
        this.#inStack[z] = 0;
        this.#ghostOf.delete(this.#hash[z]!);
        this.#freeNodes.free(z);
        this.#ghosts--;
      }
    } else {
      this.#freeNodes.free(y);
    }
    return slot;
  }

  /** The LIR entry at the bottom of S becomes a resident HIR entry (newest in Q). */
  #demoteBottom(): void {
    const b = this.#stack.last(0);
    this.#stack.unlink(b);
    this.#inStack[b] = 0;
    this.#state[b] = HIR;
    this.#lir--;
    this.#queues.pushFront(Q, b);
    this.#prune();
  }

  /** Pops HIR entries off the bottom of S so that it ends with a LIR entry. */
  #prune(): void {
    const stack = this.#stack;
    const s = stack.sentinel(0);
    for (let y = stack.last(0); y !== s && this.#state[y] !== LIR; y = stack.last(0)) {
      stack.unlink(y);
      this.#inStack[y] = 0;
      if (this.#nodeSlot[y]! < 0) {
        this.#queues.unlink(y);
        this.#ghostOf.delete(this.#hash[y]!);
        this.#freeNodes.free(y);
        this.#ghosts--;
      }
    }
  }

  remove(slot: number): void {
    const x = this.#slotNode[slot]!;
    if (this.#state[x] === LIR) this.#lir--;
    else this.#queues.unlink(x);
    this.#stack.unlink(x);
    this.#inStack[x] = 0;
    this.#nodeSlot[x] = -1;
    this.#freeNodes.free(x);
    this.#freeSlots.free(slot);
    this.#prune();
  }

  clear(): void {
    this.#stack.reset();
    this.#queues.reset();
    this.#freeSlots.reset();
    this.#freeNodes.reset();
    this.#nodeSlot.fill(-1);
    this.#inStack.fill(0);
    this.#ghostOf.clear();
    this.#lir = 0;
    this.#ghosts = 0;
  }

  rank(out: Int32Array): number {
    let n = 0;
    const stack = this.#stack;
    const s = stack.sentinel(0);
    for (let i = stack.first(0); i !== s; i = stack.nextOf(i)) if (this.#state[i] === LIR) out[n++] = this.#nodeSlot[i]!;
    const queues = this.#queues;
    const q = queues.sentinel(Q);
    for (let i = queues.first(Q); i !== q; i = queues.nextOf(i)) out[n++] = this.#nodeSlot[i]!;
    return n;
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    this.clear();
    const bound = slotBound(slots, count);
    if (this.#slotNode.length < bound) this.#slotNode = grown(this.#slotNode, new Int32Array(bound));
    const used = new Uint8Array(bound);
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      used[slot] = 1;
      let x = this.#freeNodes.take();
      if (x < 0) x = this.#growNodes();
      this.#hash[x] = hashes[i]!;
      this.#nodeSlot[x] = slot;
      this.#slotNode[slot] = x;
      if (i < this.#lirMax && i < keep) {
        this.#state[x] = LIR;
        this.#lir++;
        this.#inStack[x] = 1;
        this.#stack.pushBack(0, x);
      } else {
        this.#state[x] = HIR;
        this.#queues.pushBack(Q, x);
      }
    }
    this.#freeSlots.loaded(used);
  }
}

