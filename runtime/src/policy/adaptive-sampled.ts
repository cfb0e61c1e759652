/**
 * The sampled regime of the adaptive policy (capacities above `EXACT_MAX`): one real policy runs
 * over the slots, the candidates are simulated on a hash-sampled fraction of the keys at a
 * proportionally smaller size, and a change of leader hands the entries to the new policy, ranked
 * as its simulation ranks them. Bounded cost per access at any capacity.
 */
import { createCandidate, type CandidateName } from './adaptive-candidates.js';
import { AdaptivePolicy } from './adaptive-leader.js';
import { mix32 } from './slot-policy.js';
import type { SlotPolicy } from './slot-policy.js';

/**
 * Above `EXACT_MAX`, the candidates are simulated at this many entries on a matching hash-sampled
 * fraction of the keys (spatial sampling, as in SHARDS, Waldspurger et al. FAST'15): at 10,000
 * entries that is 1.3% of the keys, so the simulations cost a few nanoseconds per access. 128
 * rather than 256: the simulations were still 16-19% of a bounded store's time at 256; at 128 the
 * default policy's hit ratios on the sampled points of both benchmark sets were as close to the
 * best or closer (7 of 9 points), and no worse than 1.6 points below it.
 */
const SAMPLED_ENTRIES = 128;
/** Sampling resolution: a key is sampled when 16 bits of its (re-mixed) hash fall below a threshold. */
const SAMPLE_SCALE = 65536;
/**
 * In the sampled regime, sampled accesses are replayed into the shadows in batches of this many,
 * one shadow at a time: a shadow's arrays are then loaded into the CPU caches once per batch
 * rather than once per access (between two sampled accesses the real cache has done ~40 others
 * and pushed them out). Decisions, including the check for a decisive lead, happen after each batch.
 */
const SAMPLE_BATCH = 32;

/** Sampled regime: one real policy, candidates simulated on sampled keys (see `AdaptivePolicy`). */
export class SampledAdaptivePolicy extends AdaptivePolicy {
  #current: SlotPolicy;
  readonly #sampled: Uint8Array;
  readonly #threshold: number;
  /** Sampled accesses not yet replayed into the shadows. */
  readonly #pending = new Int32Array(SAMPLE_BATCH);
  #pendingCount = 0;

  constructor(capacity: number, candidates: readonly CandidateName[], initial: CandidateName) {
    const threshold = Math.ceil((SAMPLE_SCALE * SAMPLED_ENTRIES) / capacity);
    const shadowCapacity = Math.max(1, Math.round((capacity * threshold) / SAMPLE_SCALE));
    super(capacity, candidates, initial, shadowCapacity, true);
    this.#threshold = threshold;
    this.#sampled = new Uint8Array(capacity);
    this.#current = createCandidate(this.names[this.leader]!, capacity);
  }

  #isSampled(hash: number): number {
    return (mix32(hash ^ 0x5bd1e995) & 0xffff) < this.#threshold ? 1 : 0;
  }

  hit(slot: number): void {
    this.#current.hit(slot);
    this.realHits++;
    this.realAccesses++;
    if (this.#sampled[slot] !== 0) this.#sample(this.slotHash[slot]!);
  }

  miss(hash: number): number {
    const sampled = this.#isSampled(hash);
    this.realAccesses++;
    const slot = this.#current.miss(hash);
    if (slot >= 0) {
      this.slotHash[slot] = hash;
      this.#sampled[slot] = sampled;
    }
    // After the slot bookkeeping: a decision may hand every entry to another policy.
    if (sampled !== 0) this.#sample(hash);
    return slot;
  }

  #sample(hash: number): void {
    this.#pending[this.#pendingCount++] = hash;
    if (this.#pendingCount === SAMPLE_BATCH) {
      this.observeMany(this.#pending, SAMPLE_BATCH);
      this.#pendingCount = 0;
      this.maybeDecide();
    }
  }

  /**
   * Hands the entries to candidate `index`: first those its shadow holds (in the shadow's
   * order), then those the sample says nothing about (in the outgoing policy's order), last
   * those its shadow would already have evicted. Runs rarely; allocates (the outgoing policy's
   * arrays are released).
   */
  protected changeLeader(index: number): void {
    const current = this.#current;
    const ranked = new Int32Array(this.capacity);
    const count = current.rank(ranked);
    const ranks = this.shadows[index]!.ranks();
    const known: number[] = [];
    const unknown: number[] = [];
    const unwanted: number[] = [];
    for (let i = 0; i < count; i++) {
      const slot = ranked[i]!;
      if (this.#sampled[slot] === 0) unknown.push(slot);
      else if (ranks.has(this.slotHash[slot]!)) known.push(slot);
      else unwanted.push(slot);
    }
    known.sort((a, b) => ranks.get(this.slotHash[a]!)! - ranks.get(this.slotHash[b]!)!);
    const order = Int32Array.from([...known, ...unknown, ...unwanted]);
    const hashes = order.map((slot) => this.slotHash[slot]!);
    const next = createCandidate(this.names[index]!, this.capacity);
    next.load(order, hashes, count, known.length + unknown.length);
    this.#current = next;
  }

  remove(slot: number): void {
    this.#current.remove(slot);
  }

  clear(): void {
    this.resetEvidence();
    this.#pendingCount = 0;
    this.#current.clear();
  }

  rank(out: Int32Array): number {
    return this.#current.rank(out);
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    this.#current.load(slots, hashes, count, keep);
    this.#sampled.fill(0);
    for (let i = 0; i < count; i++) {
      this.slotHash[slots[i]!] = hashes[i]!;
      this.#sampled[slots[i]!] = this.#isSampled(hashes[i]!);
    }
  }
}
