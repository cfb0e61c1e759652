/**
 * The leader rules of the adaptive policy: the evidence (decayed hit counts of every candidate's
 * shadow), when another candidate takes the lead (`nextLeader`: margin, cost order, significance),
 * and, in the sampled regime, the check of the real cache against its leader's simulation. The
 * base class of both regimes (`adaptive-exact.ts`, `adaptive-sampled.ts`), which differ only in
 * how the real cache follows the leader.
 */
import { createCandidate, type CandidateName } from './adaptive-candidates.js';
import { Shadow, ShadowIndex } from './adaptive-shadow.js';

/**
 * Weight kept by past evidence at each decision (one decision per shadow capacity of samples,
 * so the evidence spans about ten cache turnovers).
 */
const DECAY = 0.9;
/**
 * Switch only when another candidate's decayed hit count leads by one point of hit ratio: a
 * switch has a cost (keys the new leader holds and the cache lacks miss once), so small leads
 * are not worth chasing. In the exact regime the first leader is LIRS, which resists scans and
 * loops while the evidence builds up; the sampled regime's rule is at `AdaptivePolicy.#sampled`.
 */
const MARGIN = 0.01;
/**
 * Candidates by what running each one as the real policy costs per access, cheapest first
 * (SlotCache over a Zipf stream at 10,000 entries, ops/s: SIEVE 16.5 M, LRU 13 M, S3-FIFO 12 M,
 * ARC 10.5 M, LIRS 9.5 M, W-TinyLFU 7.5 M). Only the sampled regime uses it: in the exact regime
 * every candidate runs on every access anyway, so the leader's own cost does not matter.
 */
export const COST_ORDER: readonly CandidateName[] = ['sieve', 'lru', 's3fifo', 'arc', 'lirs', 'wtinylfu'];
/**
 * A candidate's rank for the cheaper-candidate rule (`nextLeader`): its place in `COST_ORDER`,
 * except that W-TinyLFU shares LIRS's, so a close race between those two is decided by the full
 * margin either way rather than handed to LIRS. They cost within ~25% of each other, and on noisy
 * loops W-TinyLFU's real lead over LIRS (1-3 points) shows in the 128-entry simulations as about
 * one point: with LIRS favoured, the cache went back to it on noise (family tuning half: `loop/1`
 * at 7,622 -1.80 -> -1.27, at 5,081 -0.58 -> -0.91, no other point changed).
 */
export function costRank(name: CandidateName): number {
  return COST_ORDER.indexOf(name === 'wtinylfu' ? 'lirs' : name);
}
/**
 * In the sampled regime, a lead must also be this many standard deviations of its noise (a
 * one-sided z-test, about 0.1% per test when nothing differs). Two candidates replaying the same
 * accesses differ only on the accesses where one hits and the other misses, and with no real
 * difference each such access goes either way with even odds (McNemar's test): the lead's variance
 * is the (decayed) number of those accesses. The margin alone is not enough there: 128 simulated
 * entries are a small sample, tested after every batch.
 */
const SIGNIFICANCE = 3;
/**
 * Per decision, how much of a candidate's penalty (see `AdaptivePolicy.#penalty`) it keeps while
 * it does not lead: ~50 periods of memory, so a policy whose simulation proved optimistic is
 * tried again only long after.
 */
const PENALTY_DECAY = 0.98;
/**
 * At the start and after a change of leader, the real cache is not compared with the leader's
 * simulation for this many periods: it first has to fill, or to fetch the keys the simulation
 * holds and the outgoing policy had evicted.
 */
const GRACE_PERIODS = 2;
/** The real cache and its leader's simulation are compared over about this many recent periods. */
const REALITY_PERIODS = 2;
/**
 * A simulation counts as unfaithful when the real cache's hit ratio falls this far (7 points)
 * further below it than usual (see `AdaptivePolicy.#recentGap`). Scaled-down simulations are off
 * by several points on some workloads (LIRS on a loop 20% longer than the cache: ~90% simulated,
 * ~81% real, which is still the best any candidate does there), by tens of points when a policy's
 * behaviour does not scale (SIEVE on a loop after a skewed phase: 100% simulated, 0% real). A
 * steady bias is in the usual gap already, so this is about a change of the gap: 7 rather than
 * 10 leaves a SIEVE that collapses on a fresh working set sooner (chosen on the family's tuning
 * half: worst -2.19 -> -1.95; 5 points caught noise on mixes, -0.7 there).
 */
const UNFAITHFUL = 0.07;

/**
 * The switching rule, given each candidate's decayed hit count (`scores`), the current leader and
 * the margin (in hits): the best-scoring candidate when it leads by more than the margin (and,
 * with `noise`, by more than `SIGNIFICANCE` times `noise[i]`, the standard deviation of its lead
 * over the leader); else, with `costRank` (each candidate's rank in `COST_ORDER`), the
 * best-scoring of the cheaper candidates leading by more than half the margin; else the leader stays.
 */
export function nextLeader(scores: Float64Array, leader: number, margin: number, costRank: Int8Array | undefined, noise?: Float64Array): number {
  let best = leader;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  const current = scores[leader]!;
  const lead = scores[best]! - current;
  if (lead > margin && (noise === undefined || lead > SIGNIFICANCE * noise[best]!)) return best;
  best = leader;
  if (costRank === undefined) return best;
  for (let i = 0; i < scores.length; i++) {
    if (costRank[i]! < costRank[leader]! && scores[i]! - current > margin / 2 && (best === leader || scores[i]! > scores[best]!)) best = i;
  }
  return best;
}

/**
 * Exact regime: the shadows other than the leader's replay accesses in batches of this many
 * (at most 32: `Shadow.replay` returns one bit per access).
 */
const LAGGED_BATCH = 32;

/** Number of set bits of a 32-bit integer. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * The default policy. It simulates every candidate (LRU, ARC, LIRS, SIEVE, S3-FIFO, adaptive
 * W-TinyLFU) on the access stream and lets the one with the most recent hits lead; no
 * workload-specific constants, the evidence decides. Two regimes:
 *
 * - Exact (capacity <= 4096 entries): each candidate runs at full size on every access, and the
 *   cache holds exactly what the leader's simulation holds (minus keys whose values it does not
 *   have). Changing leader costs nothing up front: entries the new leader would not hold become
 *   orphans, evicted first; keys it holds but the cache lacks are fetched on their next access.
 * - Sampled (larger capacities): one real policy runs over the slots, and the candidates are
 *   simulated on a hash-sampled fraction of the keys at a proportionally smaller size (spatial
 *   sampling, as in SHARDS, Waldspurger et al. FAST'15), so the cost per access stays bounded.
 *   Changing leader hands the entries to the new policy, ranked as its simulation ranks them.
 *   Here the leader's own cost per access is what the cache costs, so cost counts: the cheapest
 *   candidate (SIEVE) leads first, near-ties go to the cheaper candidate (`COST_ORDER`), the
 *   margin is never less than one point of a full evidence window (no leader from a few lucky
 *   hits in the first periods), a lead must be significant as well as over the margin (the
 *   simulations are a small sample), and a lead that reaches the margin mid-period is acted on
 *   after the current batch rather than at the end of the period (a leader that collapses, as
 *   SIEVE does when a loop follows a skewed phase, is replaced sooner).
 */
export abstract class AdaptivePolicy {
  readonly capacity: number;
  protected readonly names: readonly CandidateName[];
  protected readonly shadows: Shadow[];
  /** The records of the hashes the shadows hold or have yet to see (one lookup per access for all of them). */
  readonly #index = new ShadowIndex();
  protected leader: number;
  protected observed = 0;
  /** Accesses per decision period: one shadow capacity, at least 64. */
  readonly #period: number;
  readonly #periodHits: Int32Array;
  readonly #scores: Float64Array;
  #weight = 0;
  #switches = 0;
  /**
   * The sampled regime's rule (false: the exact regime's plain one). In the sampled regime the
   * leader's own cost per access is what the cache costs, and the simulations are a small,
   * scaled-down sample, so:
   * - `#costRank` (each candidate's rank in `COST_ORDER`): a cheaper candidate takes over when it
   *   leads by half the margin, a costlier one needs the full margin (near-ties go to the cheaper
   *   policy, and two candidates do not flap);
   * - `#minWeight`: the margin is a share of the decayed evidence weight, but at least of a full
   *   window's, so a few lucky hits in the first periods do not make a leader;
   * - a lead that reaches the margin, counting the period so far, is acted on at once (`#decisive`);
   * - a lead must be significant, not only over the margin (`SIGNIFICANCE`);
   * - the real cache's hit ratio is compared with its leader's simulated one (`#penalty`): a
   *   policy does not always behave the same at 128 entries as at 10,000 (SIEVE after a skewed
   *   phase, then a loop: 100% simulated, 0% real at 12,000 entries).
   */
  readonly #sampled: boolean;
  readonly #costRank: Int8Array | undefined;
  readonly #minWeight: number;
  /**
   * Sampled regime: for each pair of candidates (i * n + j), the decayed number of accesses where
   * exactly one of the two hit; `#noise` is its square root for pairs with the leader.
   */
  readonly #discordant: Float64Array;
  readonly #noise: Float64Array;
  /** Scores and weight as they would be if the period ended now (for the early check). */
  readonly #projected: Float64Array;
  /** Per candidate, which accesses of the current batch hit (bit j = access j). */
  readonly #batchHits: Int32Array;
  /**
   * Per candidate, by how much (hit ratio) its simulation overestimated the real cache the
   * last time it led, when unfaithful (UNFAITHFUL): subtracted from its score (times the evidence
   * weight), measured again while it leads, decaying (PENALTY_DECAY) while it does not.
   */
  readonly #penalty: Float64Array;
  readonly #effective: Float64Array;
  /**
   * The leader's simulated hit ratio minus the real cache's (all accesses, not only the sampled
   * keys: on a loop, which keys hit is not random), since the last change of leader, averaged
   * over the last ~REALITY_PERIODS periods (`#recentGap`) and over the whole evidence window
   * (`#usualGap`, ~10 periods). The usual gap is the sample's own bias, common to every
   * candidate (the sampled keys can be hotter or colder than the average key: ~10 points on some
   * Zipf streams); a recent gap above it by UNFAITHFUL is the leader's own failure to scale.
   */
  #recentGap = 0;
  #usualGap = 0;
  #gapWeight = 0;
  /** Real hits and accesses since the last batch (the hit/miss paths count them). */
  protected realHits = 0;
  protected realAccesses = 0;
  /** Sampled accesses since the last change of leader, or since the start (not decayed; for the grace period). */
  #sinceSwitchCount = 0;
  /**
   * Exact regime: the records of the accesses the leader's shadow has seen and the others not yet
   * (see `observe`); the sampled regime's batch, while it is replayed (`observeMany`).
   */
  readonly #lagged = new Int32Array(LAGGED_BATCH);
  #laggedCount = 0;

  protected constructor(capacity: number, candidates: readonly CandidateName[], initial: CandidateName, shadowCapacity: number, sampled: boolean) {
    this.capacity = capacity;
    this.#sampled = sampled;
    const n = candidates.length;
    this.#discordant = new Float64Array(n * n);
    this.#noise = new Float64Array(n);
    this.#projected = new Float64Array(n);
    this.#batchHits = new Int32Array(n);
    this.#penalty = new Float64Array(n);
    this.#effective = new Float64Array(n);
    this.names = candidates;
    this.leader = Math.max(0, candidates.indexOf(initial));
    this.shadows = candidates.map((name) => new Shadow(createCandidate(name, shadowCapacity), this.#index));
    this.#periodHits = new Int32Array(candidates.length);
    this.#scores = new Float64Array(candidates.length);
    this.#period = Math.max(64, shadowCapacity);
    this.#costRank = sampled ? Int8Array.from(candidates, costRank) : undefined;
    this.#minWeight = sampled ? this.#period / (1 - DECAY) : 0;
  }

  /** The candidate leading now (for statistics and tests). */
  get active(): CandidateName {
    return this.names[this.leader]!;
  }

  /** How many times the leader changed. */
  get switches(): number {
    return this.#switches;
  }

  /**
   * Replays one access (the exact regime): at once in the leader's shadow, whose slot the real
   * cache follows (returned), and in the other shadows with the next `LAGGED_BATCH` - 1 accesses,
   * one shadow at a time, before anything reads their state (a decision, a change of leader).
   * They only count hits until then, so the counts a decision reads are the same; a shadow's
   * arrays are then loaded into the CPU caches once per batch rather than once per access (six
   * simulations at full size do not fit in the first-level cache together).
   */
  protected observe(hash: number): number {
    const record = this.#index.enter(hash);
    const leader = this.shadows[this.leader]!;
    const s = leader.access(record);
    if (leader.lastHit) this.#periodHits[this.leader]!++;
    this.#lagged[this.#laggedCount++] = record;
    if (this.#laggedCount === LAGGED_BATCH) this.#catchUp();
    this.observed++;
    return s;
  }

  /** Replays the accesses the shadows other than the leader's have not seen yet. */
  #catchUp(): void {
    const count = this.#laggedCount;
    if (count === 0) return;
    const shadows = this.shadows;
    for (let i = 0; i < shadows.length; i++) {
      if (i !== this.leader) this.#periodHits[i]! += popcount(shadows[i]!.replay(this.#lagged, count));
    }
    this.#index.leave(this.#lagged, count);
    this.#laggedCount = 0;
  }

  /**
   * Replays `count` accesses in every shadow, one shadow at a time, counting their hits and their
   * disagreements, and compares the leader's simulated hit ratio with the real cache's (the
   * sampled regime: its only caller).
   */
  protected observeMany(hashes: Int32Array, count: number): void {
    const shadows = this.shadows;
    const n = shadows.length;
    const masks = this.#batchHits;
    const records = this.#lagged;
    for (let j = 0; j < count; j++) records[j] = this.#index.enter(hashes[j]!);
    for (let i = 0; i < n; i++) {
      const mask = shadows[i]!.replay(records, count);
      masks[i] = mask;
      this.#periodHits[i]! += popcount(mask);
    }
    this.#index.leave(records, count);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) this.#discordant[i * n + j]! += popcount(masks[i]! ^ masks[j]!);
    if (this.realAccesses > 0) {
      const gap = popcount(masks[this.leader]!) / count - this.realHits / this.realAccesses;
      const recent = count / (REALITY_PERIODS * this.#period);
      const usual = (count / this.#period) * (1 - DECAY);
      // Unbiased from the first batch: early batches weigh as much as an average of what came before.
      this.#gapWeight += 1;
      this.#recentGap += (gap - this.#recentGap) * Math.max(recent, 1 / this.#gapWeight);
      this.#usualGap += (gap - this.#usualGap) * Math.max(usual, 1 / this.#gapWeight);
      this.realHits = 0;
      this.realAccesses = 0;
      this.#sinceSwitchCount += count;
    }
    this.observed += count;
  }

  /** Called after an access's (or a batch's) bookkeeping: at the end of a period, or on a decisive lead, maybe changes leader. */
  protected maybeDecide(): void {
    if (this.observed >= this.#period || (this.#sampled && this.#decisive())) this.#decide();
  }

  #margin(weight: number): number {
    return MARGIN * Math.max(this.#minWeight, weight);
  }

  /** Whether the rule would change leader now, counting this period so far (scores not yet decayed). */
  #decisive(): boolean {
    const projected = this.#projected;
    for (let i = 0; i < projected.length; i++) projected[i] = this.#scores[i]! * DECAY + this.#periodHits[i]!;
    const weight = this.#weight * DECAY + this.observed;
    const effective = this.#effectiveScores(projected, weight, this.#leaderPenalty());
    return nextLeader(effective, this.leader, this.#margin(weight), undefined, this.#noiseOf()) !== this.leader;
  }

  /** By how much (hit ratio) the leader's simulation overestimates the real cache lately, beyond the sample's usual bias, when unfaithful; else 0. */
  #overestimate(): number {
    const over = this.#recentGap - this.#usualGap;
    return over > UNFAITHFUL ? over : 0;
  }

  /** The leader's penalty: measured once the grace period is over, until then the one it had. */
  #leaderPenalty(): number {
    if (!this.#sampled) return 0;
    return this.#sinceSwitchCount >= GRACE_PERIODS * this.#period ? this.#overestimate() : this.#penalty[this.leader]!;
  }

  /** Scores less penalties (the leader's: `leaderPenalty`, the others': their last measured one). */
  #effectiveScores(scores: Float64Array, weight: number, leaderPenalty: number): Float64Array {
    const effective = this.#effective;
    for (let i = 0; i < effective.length; i++) effective[i] = scores[i]! - (i === this.leader ? leaderPenalty : this.#penalty[i]!) * weight;
    return effective;
  }

  /** Standard deviation of each candidate's lead over the leader (undefined in the exact regime: no significance test). */
  #noiseOf(): Float64Array | undefined {
    if (!this.#sampled) return undefined;
    const n = this.#noise.length;
    const l = this.leader;
    for (let i = 0; i < n; i++) this.#noise[i] = Math.sqrt(this.#discordant[i < l ? i * n + l : l * n + i]!);
    return this.#noise;
  }

  #decide(): void {
    this.#catchUp();
    const scores = this.#scores;
    for (let i = 0; i < scores.length; i++) {
      scores[i] = scores[i]! * DECAY + this.#periodHits[i]!;
      this.#periodHits[i] = 0;
    }
    this.#weight = this.#weight * DECAY + this.observed;
    this.observed = 0;
    const penalty = this.#penalty;
    for (let i = 0; i < penalty.length; i++) penalty[i]! *= PENALTY_DECAY;
    penalty[this.leader] = this.#leaderPenalty();
    const effective = this.#effectiveScores(scores, this.#weight, penalty[this.leader]!);
    const best = nextLeader(effective, this.leader, this.#margin(this.#weight), this.#costRank, this.#noiseOf());
    // The discordant counts decay with the scores (this period's are already in).
    for (let i = 0; i < this.#discordant.length; i++) this.#discordant[i]! *= DECAY;
    if (best !== this.leader) {
      this.changeLeader(best);
      this.leader = best;
      this.#switches++;
      this.#resetReality();
    }
  }

  /** Forgets the comparison of real and simulated hits (at the start and after a change of leader: a grace period begins). */
  #resetReality(): void {
    this.#recentGap = 0;
    this.#usualGap = 0;
    this.#gapWeight = 0;
    this.realHits = 0;
    this.realAccesses = 0;
    this.#sinceSwitchCount = 0;
  }

  /** Makes candidate `index` the leader (called before `leader` changes). */
  protected abstract changeLeader(index: number): void;

  protected resetEvidence(): void {
    this.#laggedCount = 0;
    for (const shadow of this.shadows) shadow.clear();
    this.#index.clear();
    this.#scores.fill(0);
    this.#periodHits.fill(0);
    this.#discordant.fill(0);
    this.#penalty.fill(0);
    this.#resetReality();
    this.observed = 0;
    this.#weight = 0;
  }
}
