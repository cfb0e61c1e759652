/**
 * A shadow: one candidate policy simulated on key hashes alone (which keys it would hold, not
 * their values), replayed access by access or in batches. The adaptive policy runs one per
 * candidate and compares their hits; the exact regime also mirrors its leader's shadow.
 */
import { IntMap } from './int-map.js';
import { grown } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

/** Slots a shadow's own arrays start with; they double as its policy hands out higher ones. */
const INITIAL_SLOTS = 64;

/**
 * A policy simulated on key hashes alone: which keys it would hold, not their values. `link`
 * ties a shadow slot to the real cache's slot holding the same key (kept for the leader only).
 */
export class Shadow {
  readonly policy: SlotPolicy;
  /** Grows (with `#hashOf` and `#used`) as the policy hands out higher slots: most caches never fill. */
  link: Int32Array;
  /** After `access`: whether it was a hit, and the real slot linked to the entry it evicted (or -1). */
  lastHit = false;
  evictedLink = -1;
  readonly #slots: IntMap;
  #hashOf: Int32Array;
  #used: Uint8Array;

  constructor(policy: SlotPolicy) {
    this.policy = policy;
    const slots = Math.min(policy.capacity, INITIAL_SLOTS);
    this.link = new Int32Array(slots).fill(-1);
    this.#hashOf = new Int32Array(slots);
    this.#used = new Uint8Array(slots);
    this.#slots = new IntMap(); // grows with the entries: most caches stay far below capacity
  }

  /** Replays one access; returns the shadow slot now holding `hash`, or -1 when refused. */
  access(hash: number): number {
    let slot = this.#slots.get(hash);
    this.evictedLink = -1;
    if (slot >= 0) {
      this.policy.hit(slot);
      this.lastHit = true;
      return slot;
    }
    this.lastHit = false;
    slot = this.policy.miss(hash);
    if (slot >= 0) this.evictedLink = this.#fill(hash, slot);
    return slot;
  }

  /**
   * Replays up to 32 accesses (the sampled regime, which keeps no links); bit j of the result is
   * set when access j hit.
   */
  replay(hashes: Int32Array, count: number): number {
    const slots = this.#slots;
    const policy = this.policy;
    let mask = 0;
    for (let j = 0; j < count; j++) {
      const hash = hashes[j]!;
      const slot = slots.get(hash);
      if (slot >= 0) {
        policy.hit(slot);
        mask |= 1 << j;
      } else {
        const fresh = policy.miss(hash);
        if (fresh >= 0) this.#fill(hash, fresh);
      }
    }
    return mask;
  }

  /** Records `hash` in `slot` (the policy's answer to a miss); returns the real slot linked to the entry it replaced, or -1. */
  #fill(hash: number, slot: number): number {
    if (slot >= this.#used.length) this.#grow(slot);
    let evicted = -1;
    if (this.#used[slot] !== 0) {
      this.#slots.delete(this.#hashOf[slot]!);
      evicted = this.link[slot]!;
    }
    this.#used[slot] = 1;
    this.#hashOf[slot] = hash;
    this.link[slot] = -1;
    this.#slots.set(hash, slot);
    return evicted;
  }

  /** Makes room for `slot` (doubling, up to the policy's capacity). */
  #grow(slot: number): void {
    const length = Math.min(this.policy.capacity, Math.max(slot + 1, 2 * this.#used.length));
    this.link = grown(this.link, new Int32Array(length).fill(-1));
    this.#hashOf = grown(this.#hashOf, new Int32Array(length));
    this.#used = grown(this.#used, new Uint8Array(length));
  }

  slotOf(hash: number): number {
    return this.#slots.get(hash);
  }

  /** Rank (0 = most valuable) of every hash the shadow holds. */
  ranks(): Map<number, number> {
    const slots = new Int32Array(this.policy.capacity);
    const count = this.policy.rank(slots);
    const ranks = new Map<number, number>();
    for (let i = 0; i < count; i++) ranks.set(this.#hashOf[slots[i]!]!, i);
    return ranks;
  }

  clear(): void {
    this.policy.clear();
    this.#slots.clear();
    this.#used.fill(0);
    this.link.fill(-1);
  }
}
