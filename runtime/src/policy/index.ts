import { AdaptivePolicy } from './adaptive.js';
import { createCandidate } from './adaptive-candidates.js';
import { hashKey } from '../key-hash.js';
import { SlotCache } from './slot-cache.js';
import type { SlotPolicy } from './slot-policy.js';
import type { BoundedCache, BoundedCacheOptions, PolicyName } from './types.js';

export type { BoundedCache, BoundedCacheOptions, PolicyName } from './types.js';
export type { SlotPolicy } from './slot-policy.js';
export { AdaptivePolicy, CANDIDATES } from './adaptive.js';
export type { CandidateName } from './adaptive.js';
export { SlotCache } from './slot-cache.js';

/** Every accepted policy name, `adaptive` (the default) first. */
export const POLICY_NAMES: readonly PolicyName[] = ['adaptive', 'lru', 'arc', 'lirs', 'sieve', 's3fifo', 'wtinylfu'];

export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name);
}

/**
 * Builds the slot policy behind a bounded cache of `max` entries. `hashOf`: the `hashKey` of the
 * key the storage holds in a slot (spares the adaptive policy a hash per slot).
 */
export function createSlotPolicy(policy: PolicyName, max: number, hashOf?: (slot: number) => number): SlotPolicy {
  return policy === 'adaptive' ? AdaptivePolicy.create(max, undefined, undefined, hashOf) : createCandidate(policy, max);
}

/**
 * Creates a bounded cache of at most `options.max` entries, governed by the named policy
 * (`'adaptive'` is the default of the `memory` store). Throws `TypeError` for an unknown policy
 * or a `max` that is not an integer >= 1.
 */
export function createBoundedCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  policy: PolicyName,
  options: BoundedCacheOptions<K, V>,
): BoundedCache<K, V> {
  if (!isPolicyName(policy)) {
    throw new TypeError(`createBoundedCache: unknown policy ${JSON.stringify(policy)}; use one of ${POLICY_NAMES.join(', ')}.`);
  }
  const { max } = options;
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError(`createBoundedCache: max must be an integer >= 1 (entries), got ${String(max)}.`);
  }
  const cache: SlotCache<K, V> = new SlotCache<K, V>(createSlotPolicy(policy, max, (slot) => hashKey(cache.keyIn(slot))), options.onEvict);
  return cache;
}
