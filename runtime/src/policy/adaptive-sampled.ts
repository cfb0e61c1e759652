/**
 * The sampled regime of the adaptive policy (capacities above `EXACT_MAX`): one real policy runs
 * over the slots, the candidates are simulated on a hash-sampled fraction of the keys at a
 * proportionally smaller size, and a change of leader hands the entries to the new policy, ranked
 * as its simulation ranks them. Bounded cost per access at any capacity.
 *
 * The simulations (~16 KB: six candidates and their evidence) are built at the first batch of
 * sampled accesses that could tell candidates apart, as the exact regime's are (`adaptive-lazy.ts`):
 * while the sampled accesses number at most the simulations' capacity, every candidate holds every
 * key it was offered, they all hit on the same accesses, and no decision can change the leader
 * (equal scores; the check of the real cache against its leader starts only after two periods).
 * Until then the batches are recorded (their hashes, and the real cache's hits and accesses at
 * each), and replayed in order when the simulations are built: the same decisions, in the same
 * order, with the same figures. A function with a large `max` that is rarely called never pays for them.
 */
import { createCandidate, type CandidateName } from './adaptive-candidates.js';
import { AdaptivePolicy as Evidence } from './adaptive-leader.js';
import { IntMap } from './int-map.js';
import { doubledLength, grown } from './lists.js';
import { mix32 } from '../key-hash.js';
import type { SlotPolicy } from './slot-policy.js';

/**
 * Above `EXACT_MAX`, the candidates are simulated at this many entries on a matching hash-sampled
 * fraction of the keys (spatial sampling, as in SHARDS, Waldspurger et al. FAST'15): at 10,000
 * entries that is 1.9% of the keys, so the simulations cost a few nanoseconds per access. 192:
 * on the tuning half of the workload family (bench/hitratio-family.ts, odd seeds) it gave the
 * smallest worst case of 128, 192, 256 and capacity/32 (-1.52 points, against -1.95 at 128): at
 * 128 a lead of W-TinyLFU over LIRS on noisy loops was below the sample's noise. Hit ratio comes
 * first: on the throughput stream (Zipf 0.99, 10,000 entries) 192 hands the cache from SIEVE to
 * S3-FIFO (+0.09 points), which costs more per access (docs/architecture.md has the figures).
 */
const SAMPLED_ENTRIES = 192;
/** Sampling resolution: a key is sampled when 16 bits of its (re-mixed) hash fall below a threshold. */
const SAMPLE_SCALE = 65536;
/**
 * In the sampled regime, sampled accesses are replayed into the shadows in batches of this many,
 * one shadow at a time: a shadow's arrays are then loaded into the CPU caches once per batch
 * rather than once per access (between two sampled accesses the real cache has done ~40 others
 * and pushed them out). Decisions, including the check for a decisive lead, happen after each batch.
 */
const SAMPLE_BATCH = 32;
/** Per-slot arrays start with this many slots (most caches never fill). */
const INITIAL_SLOTS = 64;

/** Sampled regime: one real policy, candidates simulated on sampled keys (see `AdaptivePolicy`). */
export class SampledAdaptivePolicy implements SlotPolicy {
  readonly capacity: number;
  readonly #candidates: readonly CandidateName[];
  readonly #initial: CandidateName;
  /** Entries each simulation holds (about `SAMPLED_ENTRIES`). */
  readonly #shadowCapacity: number;
  /** The simulations and the leader rules over them; undefined until a batch could tell candidates apart. */
  #evidence: SampledEvidence | undefined;
  /** Until `#evidence` is built: the hashes of the batches so far, in order (at most `#shadowCapacity`). */
  #record: Int32Array | undefined;
  #recorded = 0;
  /** Until `#evidence` is built: per recorded batch, the real cache's hits and accesses since the batch before. */
  #recordReal: number[] | undefined;
  #current: SlotPolicy;
  /**
   * 1 for a slot whose key is sampled. Grows (doubling, up to `capacity`) with the slots handed
   * out, like the store's own arrays: a cache of a million entries holding ten pays for ten.
   */
  #sampled: Uint8Array;
  /** Hash of the key in each sampled slot (a hit on one is replayed into the simulations). */
  readonly #sampledHash = new IntMap();
  /**
   * The hash of the key in any slot, needed only when the leader changes: from the storage
   * (`hashOf`, which recomputes it from the key) when it offers one, else from `#slotHash`, kept
   * for that purpose (4 bytes per slot; the memory store and the bounded cache spare them).
   */
  readonly #hashOf: (slot: number) => number;
  /** Grows with `#sampled`. */
  #slotHash: Int32Array | undefined;
  /**
   * The slot handed out by the running `miss` and its key's hash: a change of leader decided
   * within that call comes before the storage has put the key in the slot.
   */
  #placedSlot = -1;
  #placedHash = 0;
  readonly #threshold: number;
  /** Sampled accesses not yet replayed into the shadows. */
  readonly #pending = new Int32Array(SAMPLE_BATCH);
  #pendingCount = 0;
  /** Real hits and accesses since the last batch (the leader rules compare them with the leader's simulation). */
  #realHits = 0;
  #realAccesses = 0;

  /** `lazy` false builds the simulations at once (for tests: the lazy build must not be told apart). */
  constructor(capacity: number, candidates: readonly CandidateName[], initial: CandidateName, hashOf?: (slot: number) => number, lazy = true) {
    this.capacity = capacity;
    this.#candidates = candidates;
    this.#initial = candidates.includes(initial) ? initial : candidates[0]!;
    const threshold = Math.ceil((SAMPLE_SCALE * SAMPLED_ENTRIES) / capacity);
    this.#shadowCapacity = Math.max(1, Math.round((capacity * threshold) / SAMPLE_SCALE));
    this.#threshold = threshold;
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.#sampled = new Uint8Array(slots);
    if (hashOf === undefined) {
      this.#slotHash = new Int32Array(slots);
      this.#hashOf = (slot) => this.#slotHash![slot]!;
    } else {
      this.#slotHash = undefined;
      this.#hashOf = hashOf;
    }
    this.#current = createCandidate(this.#initial, capacity);
    if (!lazy) this.#build();
  }

  /** The candidate leading now: until the simulations exist, the first one (nothing could have displaced it). */
  get active(): CandidateName {
    return this.#evidence?.active ?? this.#initial;
  }

  /** How many times the leader changed (none before the simulations exist). */
  get switches(): number {
    return this.#evidence?.switches ?? 0;
  }

  /** Whether the simulations exist yet (for tests and measurements). */
  get built(): boolean {
    return this.#evidence !== undefined;
  }

  #isSampled(hash: number): number {
    return (mix32(hash ^ 0x5bd1e995) & 0xffff) < this.#threshold ? 1 : 0;
  }

  hit(slot: number): void {
    this.#current.hit(slot);
    this.#realHits++;
    this.#realAccesses++;
    if (this.#sampled[slot] === 1) this.#sample(this.#sampledHash.get(slot));
  }

  miss(hash: number): number {
    const sampled = this.#isSampled(hash);
    this.#realAccesses++;
    const slot = this.#current.miss(hash);
    if (slot >= 0) this.#track(slot, hash, sampled);
    // After the slot bookkeeping: a decision may hand every entry to another policy.
    if (sampled !== 0) {
      this.#placedSlot = slot;
      this.#placedHash = hash;
      this.#sample(hash);
      this.#placedSlot = -1;
    }
    return slot;
  }

  /** Records the hash of the key now in `slot` (replacing what the slot held). */
  #track(slot: number, hash: number, sampled: number): void {
    if (slot >= this.#sampled.length) this.#grow(slot);
    if (this.#slotHash !== undefined) this.#slotHash[slot] = hash;
    if (this.#sampled[slot] !== 0) this.#sampledHash.delete(slot);
    this.#sampled[slot] = sampled;
    if (sampled !== 0) this.#sampledHash.set(slot, hash);
  }

  /** Makes room for `slot` in the per-slot arrays (doubling, up to `capacity`). */
  #grow(slot: number): void {
    const length = doubledLength(this.#sampled.length, slot + 1, this.capacity);
    this.#sampled = grown(this.#sampled, new Uint8Array(length));
    if (this.#slotHash !== undefined) this.#slotHash = grown(this.#slotHash, new Int32Array(length));
  }

  #sample(hash: number): void {
    this.#pending[this.#pendingCount++] = hash;
    if (this.#pendingCount < SAMPLE_BATCH) return;
    const hits = this.#realHits;
    const accesses = this.#realAccesses;
    this.#realHits = 0;
    this.#realAccesses = 0;
    this.#pendingCount = 0;
    const evidence = this.#evidence;
    if (evidence !== undefined) evidence.batch(this.#pending, SAMPLE_BATCH, hits, accesses);
    else if (this.#recorded + SAMPLE_BATCH <= this.#shadowCapacity) this.#remember(hits, accesses);
    else this.#build().batch(this.#pending, SAMPLE_BATCH, hits, accesses);
  }

  /** Appends the pending batch to the record (the simulations are not built yet). */
  #remember(hits: number, accesses: number): void {
    const record = (this.#record ??= new Int32Array(this.#shadowCapacity - (this.#shadowCapacity % SAMPLE_BATCH)));
    record.set(this.#pending, this.#recorded);
    this.#recorded += SAMPLE_BATCH;
    (this.#recordReal ??= []).push(hits, accesses);
  }

  /** Builds the simulations and replays the recorded batches into them (once). */
  #build(): SampledEvidence {
    if (this.#evidence !== undefined) return this.#evidence;
    const evidence = new SampledEvidence(this, this.#candidates, this.#initial, this.#shadowCapacity);
    const real = this.#recordReal;
    for (let b = 0; b * SAMPLE_BATCH < this.#recorded; b++) {
      evidence.batch(this.#record!.subarray(b * SAMPLE_BATCH, (b + 1) * SAMPLE_BATCH), SAMPLE_BATCH, real![2 * b]!, real![2 * b + 1]!);
    }
    this.#evidence = evidence;
    this.#record = undefined;
    this.#recordReal = undefined;
    this.#recorded = 0;
    return evidence;
  }

  /**
   * Hands the entries to candidate `name`: first those its shadow holds (in the shadow's order,
   * `ranks`), then those the sample says nothing about (in the outgoing policy's order), last
   * those its shadow would already have evicted. Runs rarely; allocates for the slots handed out
   * so far, not for `capacity` (the outgoing policy's arrays are released). Called by the evidence
   * when it changes leader.
   */
  handOver(name: CandidateName, ranks: Map<number, number>): void {
    const current = this.#current;
    // Every slot the real policy holds was tracked, so `#sampled` reaches past it.
    const ranked = new Int32Array(this.#sampled.length);
    const count = current.rank(ranked);
    const known: number[] = [];
    const unknown: number[] = [];
    const unwanted: number[] = [];
    for (let i = 0; i < count; i++) {
      const slot = ranked[i]!;
      if (this.#sampled[slot] !== 1) unknown.push(slot);
      else if (ranks.has(this.#sampledHash.get(slot))) known.push(slot);
      else unwanted.push(slot);
    }
    known.sort((a, b) => ranks.get(this.#sampledHash.get(a))! - ranks.get(this.#sampledHash.get(b))!);
    const order = Int32Array.from([...known, ...unknown, ...unwanted]);
    const hashes = order.map((slot) => (slot === this.#placedSlot ? this.#placedHash : this.#hashOf(slot)));
    const next = createCandidate(name, this.capacity);
    next.load(order, hashes, count, known.length + unknown.length);
    this.#current = next;
  }

  remove(slot: number): void {
    this.#current.remove(slot);
  }

  clear(): void {
    // Cleared, the simulations would be as new and the leader would stay: nothing to record.
    this.#evidence?.clear();
    this.#recorded = 0;
    this.#recordReal = undefined;
    this.#realHits = 0;
    this.#realAccesses = 0;
    this.#pendingCount = 0;
    this.#current.clear();
  }

  rank(out: Int32Array): number {
    return this.#current.rank(out);
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    // Loaded keys were never offered to the simulations: from here on, they must exist to count them.
    this.#build();
    this.#current.load(slots, hashes, count, keep);
    this.#sampled.fill(0);
    this.#sampledHash.clear();
    for (let i = 0; i < count; i++) this.#track(slots[i]!, hashes[i]!, this.#isSampled(hashes[i]!));
  }
}

/** The candidates simulated on the sampled keys, and the leader rules over them (`adaptive-leader.ts`), for one sampled regime. */
class SampledEvidence extends Evidence {
  readonly #owner: SampledAdaptivePolicy;

  constructor(owner: SampledAdaptivePolicy, candidates: readonly CandidateName[], initial: CandidateName, shadowCapacity: number) {
    super(owner.capacity, candidates, initial, shadowCapacity, true);
    this.#owner = owner;
  }

  /** Replays one batch of sampled accesses, given the real cache's hits and accesses since the batch before; then, maybe, changes leader. */
  batch(hashes: Int32Array, count: number, realHits: number, realAccesses: number): void {
    this.realHits = realHits;
    this.realAccesses = realAccesses;
    this.observeMany(hashes, count);
    this.maybeDecide();
  }

  protected changeLeader(index: number): void {
    this.#owner.handOver(this.names[index]!, this.shadows[index]!.ranks());
  }

  clear(): void {
    this.resetEvidence();
  }
}
