import { ArcPolicy } from './arc.js';
import { LirsPolicy } from './lirs.js';
import { LruPolicy } from './lru.js';
import { S3FifoPolicy } from './s3fifo.js';
import { SievePolicy } from './sieve.js';
import { mix32 } from './slot-policy.js';
import type { SlotPolicy } from './slot-policy.js';
import { WTinyLfuPolicy } from './wtinylfu.js';

/** The policies the adaptive policy chooses among, in the order of `AdaptivePolicy.candidates`. */
export const CANDIDATES = ['lru', 'arc', 'lirs', 'sieve', 's3fifo', 'wtinylfu'] as const;
export type CandidateName = (typeof CANDIDATES)[number];

export function createCandidate(name: CandidateName, capacity: number): SlotPolicy {
  switch (name) {
    case 'lru': return new LruPolicy(capacity);
    case 'arc': return new ArcPolicy(capacity);
    case 'lirs': return new LirsPolicy(capacity);
    case 'sieve': return new SievePolicy(capacity);
    case 's3fifo': return new S3FifoPolicy(capacity);
    case 'wtinylfu': return new WTinyLfuPolicy(capacity);
  }
}

/**
 * Largest shadow cache, in entries. Up to this capacity every access is simulated (the shadows
 * are exact replicas); above it, a fixed fraction of the key space is sampled by hash and the
 * shadows are scaled down to match (spatial sampling, as in SHARDS, Waldspurger et al.
 * FAST'15), so the cost per access stays bounded whatever the capacity.
 */
const SHADOW_ENTRIES = 1024;
/** Sampling resolution: a key is sampled when 16 bits of its (re-mixed) hash fall below a threshold. */
const SAMPLE_SCALE = 65536;
/** Weight kept by past evidence at each decision (one decision per shadow capacity of samples). */
const DECAY = 0.75;
/** Switch only when another candidate's decayed hit count leads by this fraction of the decayed accesses. */
const MARGIN = 0.005;

/** A policy simulated on key hashes alone: which keys it would hold, not their values. */
class Shadow {
  readonly policy: SlotPolicy;
  readonly #slots = new Map<number, number>();
  readonly #hashOf: Int32Array;
  readonly #used: Uint8Array;

  constructor(policy: SlotPolicy) {
    this.policy = policy;
    this.#hashOf = new Int32Array(policy.capacity);
    this.#used = new Uint8Array(policy.capacity);
  }

  /** Replays one access; true on a hit. */
  access(hash: number): boolean {
    let slot = this.#slots.get(hash);
    if (slot !== undefined) {
      this.policy.hit(slot);
      return true;
    }
    slot = this.policy.miss(hash);
    if (slot >= 0) {
      if (this.#used[slot] !== 0) this.#slots.delete(this.#hashOf[slot]!);
      this.#used[slot] = 1;
      this.#hashOf[slot] = hash;
      this.#slots.set(hash, slot);
    }
    return false;
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
  }
}

/**
 * The default policy. It runs one real policy over the cache's slots and, beside it, shadow
 * caches simulating every candidate (LRU, ARC, LIRS, SIEVE, S3-FIFO, adaptive W-TinyLFU) on the
 * same access stream (sampled for large caches). When a candidate's recent shadow hit count
 * clearly beats the one in charge, the real cache hands its entries to that candidate, ranked
 * the way the candidate's shadow ranks them (entries its shadow would not hold go first), and
 * the candidate carries on from there. No workload-specific constants: the evidence decides, and
 * a switch costs one pass over the entries.
 */
export class AdaptivePolicy implements SlotPolicy {
  readonly capacity: number;
  readonly #names: readonly CandidateName[];
  readonly #engines: (SlotPolicy | undefined)[];
  #current: SlotPolicy;
  #currentIndex: number;
  readonly #slotHash: Int32Array;
  readonly #sampled: Uint8Array;
  readonly #threshold: number;
  readonly #shadows: Shadow[];
  readonly #periodHits: Int32Array;
  readonly #scores: Float64Array;
  readonly #period: number;
  #observed = 0;
  #weight = 0;
  #switches = 0;

  constructor(capacity: number, candidates: readonly CandidateName[] = CANDIDATES, initial: CandidateName = 's3fifo') {
    this.capacity = capacity;
    this.#names = candidates;
    this.#engines = candidates.map(() => undefined);
    this.#currentIndex = Math.max(0, candidates.indexOf(initial));
    this.#current = this.#engine(this.#currentIndex);
    this.#slotHash = new Int32Array(capacity);
    this.#sampled = new Uint8Array(capacity);
    this.#threshold = capacity <= SHADOW_ENTRIES ? SAMPLE_SCALE : Math.ceil((SAMPLE_SCALE * SHADOW_ENTRIES) / capacity);
    const shadowCapacity = Math.max(1, Math.round((capacity * this.#threshold) / SAMPLE_SCALE));
    this.#shadows = candidates.map((name) => new Shadow(createCandidate(name, shadowCapacity)));
    this.#periodHits = new Int32Array(candidates.length);
    this.#scores = new Float64Array(candidates.length);
    this.#period = Math.max(64, shadowCapacity);
  }

  /** The candidate in charge now (for statistics and tests). */
  get active(): CandidateName {
    return this.#names[this.#currentIndex]!;
  }

  /** How many times the policy in charge changed. */
  get switches(): number {
    return this.#switches;
  }

  #engine(i: number): SlotPolicy {
    let engine = this.#engines[i];
    if (engine === undefined) {
      engine = createCandidate(this.#names[i]!, this.capacity);
      this.#engines[i] = engine;
    }
    return engine;
  }

  #isSampled(hash: number): number {
    return (mix32(hash ^ 0x5bd1e995) & 0xffff) < this.#threshold ? 1 : 0;
  }

  hit(slot: number): void {
    this.#current.hit(slot);
    if (this.#sampled[slot] !== 0) this.#observe(this.#slotHash[slot]!);
  }

  miss(hash: number): number {
    const sampled = this.#isSampled(hash);
    if (sampled !== 0) this.#observe(hash);
    const slot = this.#current.miss(hash);
    if (slot >= 0) {
      this.#slotHash[slot] = hash;
      this.#sampled[slot] = sampled;
    }
    return slot;
  }

  #observe(hash: number): void {
    const shadows = this.#shadows;
    for (let i = 0; i < shadows.length; i++) if (shadows[i]!.access(hash)) this.#periodHits[i]!++;
    if (++this.#observed >= this.#period) this.#decide();
  }

  #decide(): void {
    const scores = this.#scores;
    let best = this.#currentIndex;
    for (let i = 0; i < scores.length; i++) {
      scores[i] = scores[i]! * DECAY + this.#periodHits[i]!;
      this.#periodHits[i] = 0;
    }
    this.#weight = this.#weight * DECAY + this.#observed;
    this.#observed = 0;
    for (let i = 0; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
    if (best !== this.#currentIndex && scores[best]! - scores[this.#currentIndex]! > MARGIN * this.#weight) this.#switchTo(best);
  }

  /**
   * Hands the entries to candidate `index`: first those its shadow holds (in the shadow's
   * order), then those the sample says nothing about (in the outgoing policy's order), last
   * those its shadow would already have evicted. Runs rarely; allocates.
   */
  #switchTo(index: number): void {
    const ranked = new Int32Array(this.capacity);
    const count = this.#current.rank(ranked);
    const ranks = this.#shadows[index]!.ranks();
    const known: number[] = [];
    const unknown: number[] = [];
    const unwanted: number[] = [];
    for (let i = 0; i < count; i++) {
      const slot = ranked[i]!;
      if (this.#sampled[slot] === 0) unknown.push(slot);
      else if (ranks.has(this.#slotHash[slot]!)) known.push(slot);
      else unwanted.push(slot);
    }
    known.sort((a, b) => ranks.get(this.#slotHash[a]!)! - ranks.get(this.#slotHash[b]!)!);
    const order = Int32Array.from([...known, ...unknown, ...unwanted]);
    const hashes = order.map((slot) => this.#slotHash[slot]!);
    const next = this.#engine(index);
    next.load(order, hashes, count, known.length + unknown.length);
    this.#current.clear();
    this.#current = next;
    this.#currentIndex = index;
    this.#switches++;
  }

  remove(slot: number): void {
    this.#current.remove(slot);
  }

  clear(): void {
    this.#current.clear();
    for (const shadow of this.#shadows) shadow.clear();
    this.#scores.fill(0);
    this.#periodHits.fill(0);
    this.#observed = 0;
    this.#weight = 0;
  }

  rank(out: Int32Array): number {
    return this.#current.rank(out);
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    this.#current.load(slots, hashes, count, keep);
    this.#sampled.fill(0);
    for (let i = 0; i < count; i++) {
      this.#slotHash[slots[i]!] = hashes[i]!;
      this.#sampled[slots[i]!] = this.#isSampled(hashes[i]!);
    }
  }
}
