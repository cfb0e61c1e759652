/**
 * The adaptive policy (the default of bounded in-memory caches): it simulates every candidate
 * policy and lets the one with the most recent hits lead. Its parts, one idea per file:
 * - `adaptive-candidates.ts`: the candidates and how each is made;
 * - `adaptive-shadow.ts`: a candidate simulated on key hashes (a shadow), and the index the shadows share;
 * - `adaptive-leader.ts`: the evidence and the rules for changing leader (the base class);
 * - `adaptive-exact.ts` / `adaptive-sampled.ts`: the two regimes, by capacity;
 * - `adaptive-lazy.ts`: the exact regime built only once the candidates could disagree.
 * This file chooses the regime (`AdaptivePolicy.create`) and is what the rest of the runtime imports.
 */
import { CANDIDATES, type CandidateName } from './adaptive-candidates.js';
import { COST_ORDER } from './adaptive-leader.js';
import { LazyExactPolicy } from './adaptive-lazy.js';
import { SampledAdaptivePolicy } from './adaptive-sampled.js';
import type { SlotPolicy } from './slot-policy.js';

export { CANDIDATES, createCandidate, type CandidateName } from './adaptive-candidates.js';
export { costRank, nextLeader } from './adaptive-leader.js';

/**
 * Capacities up to this many entries run in the exact regime: every candidate simulated at full
 * size on every access (costs about six policy updates per access).
 */
const EXACT_MAX = 4096;

/** An adaptive policy (either regime); see `adaptive-leader.ts`. */
export interface AdaptivePolicy extends SlotPolicy {
  /** The candidate leading now (for statistics and tests). */
  readonly active: CandidateName;
  /** How many times the leader changed. */
  readonly switches: number;
}

/**
 * Makes adaptive policies. (A factory rather than a static method of the class: the regimes
 * extend the class, so the class cannot import them.)
 */
export const AdaptivePolicy = {
  /**
   * The adaptive policy for `capacity` entries: exact up to 4096 entries, sampled above.
   * `candidates` and `initial` (the first leader) are for tests and experiments. `hashOf`: the
   * hash (`hashKey`) of the key stored in a slot, when the storage can tell (the sampled regime
   * then keeps no hash per slot; it needs them only when its leader changes).
   */
  create(capacity: number, candidates: readonly CandidateName[] = CANDIDATES, initial?: CandidateName, hashOf?: (slot: number) => number): AdaptivePolicy {
    // Built when first needed (`adaptive-lazy.ts`): a cache that never fills never pays for six simulations.
    if (capacity <= EXACT_MAX) return new LazyExactPolicy(capacity, candidates, initial ?? 'lirs');
    // Sampled regime: the cheapest candidate present leads first.
    const cheapest = COST_ORDER.find((name) => candidates.includes(name)) ?? candidates[0]!;
    return new SampledAdaptivePolicy(capacity, candidates, initial ?? cheapest, hashOf);
  },
};
