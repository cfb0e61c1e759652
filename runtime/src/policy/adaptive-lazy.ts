/**
 * The exact regime built on demand: most memoized functions never fill their cache, and until a
 * cache is that full the six simulations cannot disagree, so they are not built until they can.
 *
 * While at most `capacity` keys have been offered (misses), every candidate holds every key it
 * saw: none of them evicts or refuses before its pool is full, and a shadow never sees deletes.
 * So every shadow hits on the same accesses, no candidate can lead another, the leader stays the
 * first one, and the cache's slots come from its free-slot list alone (a miss takes the next free
 * slot, a delete frees one). That is all the policy has to answer until then; meanwhile it records
 * what the exact regime would have been told (misses, hits and deletes; 8 bytes each for the first
 * 64, then 4) and, before the call that would take the record past `capacity` entries, builds the
 * exact regime and replays the record into it. The exact regime then holds the very state it would
 * have had if built at the start (the same calls in the same order), and every later answer is its
 * own.
 */
import type { CandidateName } from './adaptive-candidates.js';
import { ExactAdaptivePolicy } from './adaptive-exact.js';
import { FreeSlots } from './lists.js';
import type { SlotPolicy } from './slot-policy.js';

/**
 * Record entries of a hit: `~slot - HITS`, below every delete (`~slot`, from -1 down to -capacity)
 * and above -2^30, so that every entry (a miss's hash is in [0, 2^30)) is a small integer to the
 * engine, and fits an Int32Array.
 */
const HITS = 0x20000000;
/**
 * Entries the record holds as an array of numbers (8 bytes each); past them it is an Int32Array (4
 * bytes each, doubling up to `capacity`, but ~230 bytes before its first element).
 */
const ARRAY_RECORD = 64;

/** The exact regime of the adaptive policy, built at the first call that could tell candidates apart. */
export class LazyExactPolicy implements SlotPolicy {
  readonly capacity: number;
  /** As the exact regime's: every hit runs six simulations once they exist. */
  readonly deferHits = true;
  readonly #candidates: readonly CandidateName[];
  readonly #initial: CandidateName;
  #exact: ExactAdaptivePolicy | undefined;
  /** Until built: misses (the hash), hits (~slot - HITS) and deletes (~slot), in order. */
  #record: number[] | Int32Array | undefined;
  #recorded = 0;
  /** Until built: the exact regime's free slots, taken and freed as it would. */
  #free: FreeSlots | undefined;

  constructor(capacity: number, candidates: readonly CandidateName[], initial: CandidateName) {
    this.capacity = capacity;
    this.#candidates = candidates;
    this.#initial = initial;
    this.#record = [];
    this.#free = new FreeSlots(capacity);
  }

  /** The candidate leading now: until built, the first leader (nothing could have displaced it). */
  get active(): CandidateName {
    return this.#exact?.active ?? this.#candidates[Math.max(0, this.#candidates.indexOf(this.#initial))]!;
  }

  /** How many times the leader changed (none before the simulations exist). */
  get switches(): number {
    return this.#exact?.switches ?? 0;
  }

  /** Whether the simulations exist yet (for tests and measurements). */
  get built(): boolean {
    return this.#exact !== undefined;
  }

  hit(slot: number): void {
    const exact = this.#exact ?? this.#room();
    if (exact !== undefined) exact.hit(slot);
    else this.#record![this.#recorded++] = ~slot - HITS;
  }

  miss(hash: number): number {
    const exact = this.#exact ?? this.#room();
    if (exact !== undefined) return exact.miss(hash);
    this.#record![this.#recorded++] = hash;
    return this.#free!.take();
  }

  remove(slot: number): void {
    const exact = this.#exact ?? this.#room();
    if (exact !== undefined) return exact.remove(slot);
    this.#record![this.#recorded++] = ~slot;
    this.#free!.free(slot);
  }

  clear(): void {
    // Cleared, the exact regime would be as new (its leader is still the first one): nothing to record.
    if (this.#exact !== undefined) return this.#exact.clear();
    this.#recorded = 0;
    this.#free!.reset();
  }

  rank(out: Int32Array): number {
    return this.#build().rank(out);
  }

  load(slots: Int32Array, hashes: Int32Array, count: number, keep: number): void {
    this.#build().load(slots, hashes, count, keep);
  }

  /**
   * Room for one more record entry (undefined: record it), or, when the record holds `capacity`
   * entries (so up to `capacity` misses: the next could be the first a candidate evicts for),
   * the exact regime, built.
   */
  #room(): ExactAdaptivePolicy | undefined {
    const record = this.#record!;
    const recorded = this.#recorded;
    if (recorded < record.length) return undefined;
    if (recorded >= this.capacity) return this.#build();
    if (Array.isArray(record) && recorded < ARRAY_RECORD) return undefined; // it grows as it is written
    const grown = new Int32Array(Math.min(this.capacity, 2 * Math.max(recorded, ARRAY_RECORD)));
    for (let i = 0; i < recorded; i++) grown[i] = record[i]!;
    this.#record = grown;
    return undefined;
  }

  /** Builds the exact regime and replays the record into it (once). */
  #build(): ExactAdaptivePolicy {
    if (this.#exact !== undefined) return this.#exact;
    const exact = new ExactAdaptivePolicy(this.capacity, this.#candidates, this.#initial);
    const record = this.#record!;
    for (let i = 0; i < this.#recorded; i++) {
      const entry = record[i]!;
      if (entry >= 0) exact.miss(entry);
      else if (entry < -HITS) exact.hit(~(entry + HITS));
      else exact.remove(~entry);
    }
    this.#exact = exact;
    this.#record = undefined;
    this.#free = undefined;
    return exact;
  }
}
