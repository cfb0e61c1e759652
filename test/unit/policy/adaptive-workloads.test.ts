/**
 * The adaptive policy on seeded workloads of the kinds the hit-ratio family
 * (bench/hitratio-family.ts) covers: it must end near the best candidate for each, in both
 * regimes (exact up to 4,096 entries, sampled above). Behaviour only: hit ratios, no timing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptivePolicy, createBoundedCache, SlotCache } from '../../../runtime/src/policy/index.js';
import type { BoundedCache, PolicyName } from '../../../runtime/src/policy/index.js';
import { random, zipf } from './random.js';

function hitRatio(cache: BoundedCache<number, number>, keys: Int32Array): number {
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (cache.get(key) === undefined) cache.set(key, i);
    else hits++;
  }
  return hits / keys.length;
}

const ratio = (policy: PolicyName, max: number, keys: Int32Array): number => hitRatio(createBoundedCache<number, number>(policy, { max }), keys);

/**
 * Sessions: keys arrive at random times, each is accessed a few times with gaps drawn
 * log-uniformly up to `maxGap`, then never again. Recency is all there is: LRU is best.
 */
function sessions(seed: number, length: number, maxGap: number): Int32Array {
  const next = random(seed);
  const times: number[] = [];
  const ids: number[] = [];
  for (let key = 0; times.length < length; key++) {
    let t = next() * length;
    do {
      times.push(t);
      ids.push(key);
      t += Math.exp(next() * Math.log(maxGap));
    } while (next() > 1 / 6);
  }
  const order = Int32Array.from(times.keys()).sort((a, b) => times[a]! - times[b]!);
  return Int32Array.from(order.subarray(0, length), (i) => ids[i]!);
}

describe('adaptive policy on the workload family', () => {
  it('stays within 1.5 points of LRU on a recency-dominated stream, in both regimes', () => {
    for (const [max, maxGap] of [[600, 8000], [8000, 100_000]] as const) {
      const keys = sessions(max, 300_000, maxGap);
      const lru = ratio('lru', max, keys);
      const adaptive = ratio('adaptive', max, keys);
      assert.ok(lru > ratio('wtinylfu', max, keys) + 0.02, `the stream favours recency at ${max} (LRU ${lru})`);
      assert.ok(adaptive >= lru - 0.015, `adaptive ${adaptive} vs LRU ${lru} at ${max}`);
    }
  });

  it('follows a change of working set in the sampled regime (within 3 points of LRU over the run)', () => {
    // Zipf over 20,000 keys, then over 20,000 fresh keys: SIEVE, the sampled regime's first leader,
    // keeps the first phase's visited entries and loses the new keys.
    const next = random(5);
    const z = zipf(20_000, 0.8, next);
    const keys = Int32Array.from({ length: 400_000 }, (_, i) => (i < 200_000 ? 0 : 1_000_000) + z());
    const max = 10_000;
    const policy = AdaptivePolicy.create(max);
    const adaptive = hitRatio(new SlotCache<number, number>(policy), keys);
    const lru = ratio('lru', max, keys);
    assert.ok(adaptive >= lru - 0.03, `adaptive ${adaptive} vs LRU ${lru}`);
    assert.ok(policy.switches >= 1, 'the leader changed');
  });

  it('gets most of what LIRS gets on a noisy loop larger than the cache, in both regimes', () => {
    for (const [n, max] of [[1500, 900], [10_000, 6000]] as const) {
      const next = random(n);
      let position = 0;
      const keys = Int32Array.from({ length: 200_000 }, () => (next() < 0.1 ? n + Math.floor(next() * n) : position++ % n));
      const lirs = ratio('lirs', max, keys);
      const adaptive = ratio('adaptive', max, keys);
      assert.ok(ratio('lru', max, keys) < 0.1, 'LRU loses the loop');
      assert.ok(adaptive >= lirs - 0.03, `adaptive ${adaptive} vs LIRS ${lirs} at ${max}`);
    }
  });
});
