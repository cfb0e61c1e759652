/**
 * The exact regime of the adaptive policy (capacities up to `EXACT_MAX`): every candidate runs at
 * full size on every access, and the cache holds exactly what the leader's simulation holds;
 * a change of leader turns the entries the new leader would not hold into orphans, evicted first.
 */
import type { CandidateName } from './adaptive-candidates.js';
import { AdaptivePolicy } from './adaptive-leader.js';
import { doubledLength, FreeSlots, grown, slotBound } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

/** Slots the per-slot arrays start with; they double as higher slots are handed out (most caches never fill). */
const INITIAL_SLOTS = 64;

/** Exact regime: the cache mirrors the leader's full-size simulation (see `AdaptivePolicy`). */
export class ExactAdaptivePolicy extends AdaptivePolicy implements SlotPolicy {
  /** Every hit runs six simulations: storage should deduplicate them. */
  readonly deferHits = true;
  readonly #free: FreeSlots;
  #occupied: Uint8Array;
  #orphan: Uint8Array;
  /** A stack of orphan slots (may hold stale entries); rebuilt from the flags when it reaches `capacity`. */
  #orphans: Int32Array;
  #orphanCount = 0;
  #shadowSlot: Int32Array;
  /** Hash of the key in each slot (every hit replays it into the simulations). */
  protected slotHash: Int32Array;

  constructor(capacity: number, candidates: readonly CandidateName[], initial: CandidateName) {
    super(capacity, candidates, initial, capacity, false);
    this.#free = new FreeSlots(capacity);
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.#occupied = new Uint8Array(slots);
    this.#orphan = new Uint8Array(slots);
    this.#orphans = new Int32Array(slots);
    this.#shadowSlot = new Int32Array(slots);
    this.slotHash = new Int32Array(slots);
  }

  hit(slot: number): void {
    const leader = this.shadows[this.leader]!;
    const s = this.observe(this.slotHash[slot]!);
    if (s >= 0 && !leader.lastHit) {
      // The leader did not hold this key (an orphan): it takes it back in, and what it evicted
      // becomes an orphan in turn.
      this.#orphan[slot] = 0;
      leader.link[s] = slot;
      this.#shadowSlot[slot] = s;
      if (leader.evictedLink >= 0) this.#makeOrphan(leader.evictedLink);
    } else if (s >= 0 && leader.link[s] !== slot) {
      // Defensive: a key both hold must be linked.
      this.#orphan[slot] = 0;
      leader.link[s] = slot;
      this.#shadowSlot[slot] = s;
    }
    // Decisions wait until the slot bookkeeping of this access is done.
    this.maybeDecide();
  }

  miss(hash: number): number {
    const slot = this.#place(hash);
    this.maybeDecide();
    return slot;
  }

  /** The slot for a key the cache lacks, following the leader's simulation. */
  #place(hash: number): number {
    const leader = this.shadows[this.leader]!;
    const s = this.observe(hash);
    if (s < 0) {
      // Refused by the leader: still kept while there is room (after deletes), as an orphan.
      const free = this.#take();
      if (free < 0) return -1;
      this.slotHash[free] = hash;
      this.#occupied[free] = 1;
      this.#makeOrphan(free);
      return free;
    }
    // Room left by deletes first (what the leader evicted then stays, as an orphan); then the
    // slot of the key the leader evicted; then an orphan.
    let slot = this.#take();
    if (slot >= 0) {
      if (leader.evictedLink >= 0) this.#makeOrphan(leader.evictedLink);
    } else {
      slot = leader.evictedLink;
      if (slot < 0) slot = this.#takeOrphan();
    }
    // Unreachable: every occupied slot is linked to the leader or an orphan, and the leader
    // holds at most `capacity` keys including this one.
    if (slot < 0) return -1;
    leader.link[s] = slot;
    this.#shadowSlot[slot] = s;
    this.slotHash[slot] = hash;
    this.#occupied[slot] = 1;
    this.#orphan[slot] = 0;
    return slot;
  }

  /** A free slot (the per-slot arrays grown to hold it), or -1. */
  #take(): number {
    const slot = this.#free.take();
    if (slot >= this.#occupied.length) this.#grow(slot + 1);
    return slot;
  }

  /** Grows the per-slot arrays to hold `slots` slots (doubling, up to `capacity`). */
  #grow(slots: number): void {
    const length = doubledLength(this.#occupied.length, slots, this.capacity);
    this.#occupied = grown(this.#occupied, new Uint8Array(length));
    this.#orphan = grown(this.#orphan, new Uint8Array(length));
    this.#shadowSlot = grown(this.#shadowSlot, new Int32Array(length));
    this.slotHash = grown(this.slotHash, new Int32Array(length));
  }

  #makeOrphan(slot: number): void {
    if (this.#orphan[slot] !== 0) return;
    // The stack may hold stale entries (slots re-linked since); when it reaches `capacity`, rebuild it from the flags.
    if (this.#orphanCount === this.capacity) {
      this.#orphanCount = 0;
      for (let i = 0; i < this.#occupied.length; i++) if (this.#orphan[i] !== 0 && this.#occupied[i] !== 0) this.#orphans[this.#orphanCount++] = i;
    } else if (this.#orphanCount === this.#orphans.length) {
      this.#orphans = grown(this.#orphans, new Int32Array(Math.min(this.capacity, 2 * this.#orphans.length)));
    }
    this.#orphan[slot] = 1;
    this.#orphans[this.#orphanCount++] = slot;
  }

  /** An occupied slot whose key the leader does not hold, or -1. Stale stack entries are skipped. */
  #takeOrphan(): number {
    while (this.#orphanCount > 0) {
      const slot = this.#orphans[--this.#orphanCount]!;
      if (this.#orphan[slot] !== 0 && this.#occupied[slot] !== 0) {
        this.#orphan[slot] = 0;
        return slot;
      }
    }
    return -1;
  }

  /** Re-links the slots to the new leader's shadow; the rest become orphans. */
  protected changeLeader(index: number): void {
    const shadow = this.shadows[index]!;
    shadow.link.fill(-1);
    this.#orphanCount = 0;
    this.#orphan.fill(0);
    for (let slot = 0; slot < this.#occupied.length; slot++) {
      if (this.#occupied[slot] === 0) continue;
      const s = shadow.slotOf(this.slotHash[slot]!);
      if (s >= 0) {
        shadow.link[s] = slot;
        this.#shadowSlot[slot] = s;
      } else {
        this.#makeOrphan(slot);
      }
    }
  }

  remove(slot: number): void {
    // The leader's simulation keeps the key (it models the access stream, not deletes).
    if (this.#orphan[slot] === 0) this.shadows[this.leader]!.link[this.#shadowSlot[slot]!] = -1;
    this.#orphan[slot] = 0;
    this.#occupied[slot] = 0;
    this.#free.free(slot);
  }

  clear(): void {
    this.resetEvidence();
    this.#free.reset();
    this.#occupied.fill(0);
    this.#orphan.fill(0);
    this.#orphanCount = 0;
  }

  rank(out: Int32Array): number {
    // Linked entries in the leader's order, then orphans.
    const leader = this.shadows[this.leader]!;
    const slots = new Int32Array(this.capacity);
    const count = leader.policy.rank(slots);
    let n = 0;
    for (let i = 0; i < count; i++) {
      const slot = leader.link[slots[i]!]!;
      if (slot >= 0) out[n++] = slot;
    }
    for (let slot = 0; slot < this.#occupied.length; slot++) if (this.#occupied[slot] !== 0 && this.#orphan[slot] !== 0) out[n++] = slot;
    return n;
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, _keep: number): void {
    // The simulations know nothing of these keys: they start as orphans, least valuable on top.
    this.clear();
    const bound = slotBound(slots, count);
    if (bound > this.#occupied.length) this.#grow(bound);
    for (let i = 0; i < count; i++) {
      this.slotHash[slots[i]!] = hashes[i]!;
      this.#occupied[slots[i]!] = 1;
    }
    for (let i = count - 1; i >= 0; i--) this.#makeOrphan(slots[i]!);
    this.#free.loaded(this.#occupied);
  }
}
