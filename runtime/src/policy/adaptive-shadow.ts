/**
 * A shadow: one candidate policy simulated on key hashes alone (which keys it would hold, not
 * their values), replayed access by access or in batches. The adaptive policy runs one per
 * candidate and compares their hits; the exact regime also mirrors its leader's shadow.
 */
import { IntMap } from './int-map.js';
import type { SlotPolicy } from './slot-policy.js';

/**
 * A policy simulated on key hashes alone: which keys it would hold, not their values. `link`
 * ties a shadow slot to the real cache's slot holding the same key (kept for the leader only).
 */
export class Shadow {
  readonly policy: SlotPolicy;
  readonly link: Int32Array;
  /** After `access`: whether it was a hit, and the real slot linked to the entry it evicted (or -1). */
  lastHit = false;
  evictedLink = -1;
  readonly #slots: IntMap;
  readonly #hashOf: Int32Array;
  readonly #used: Uint8Array;

  constructor(policy: SlotPolicy) {
    this.policy = policy;
    this.link = new Int32Array(policy.capacity).fill(-1);
    this.#hashOf = new Int32Array(policy.capacity);
    this.#used = new Uint8Array(policy.capacity);
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
