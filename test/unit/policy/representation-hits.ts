import { createBoundedCache, POLICY_NAMES } from '../../../runtime/src/policy/index.js';
import type { PolicyName } from '../../../runtime/src/policy/index.js';
import { MemoryStore } from '../../../runtime/src/stores/memory.js';
import { MISS } from '../../../runtime/src/stores/types.js';
import { random, zipf } from './random.js';

/**
 * A seeded stream that changes character (a skewed phase, a loop longer than small caches, a
 * scan over a hot set, a shifted working set) with deletes and short TTLs on the store, so that
 * the adaptive policy changes leader in both regimes.
 */
export function stream(seed: number, length: number): number[] {
  const next = random(seed);
  const hot = zipf(30_000, 0.9, next);
  const keys: number[] = [];
  for (let i = 0; i < length; i++) {
    const phase = Math.floor(i / 20_000) % 4;
    if (phase === 0) keys.push(hot());
    else if (phase === 1) keys.push(100_000 + (i % 7_000));
    else if (phase === 2) keys.push(next() < 0.5 ? hot() : 200_000 + i);
    else keys.push(50_000 + hot());
  }
  return keys;
}

/** Hits of each policy (and the adaptive one at capacities in both regimes) as a memory store and as a bounded cache. */
export function hitCounts(): Record<string, number> {
  const keys = stream(18, 160_000);
  const out: Record<string, number> = {};
  const runs: [PolicyName, number][] = [[ 'adaptive', 100 ], [ 'adaptive', 1000 ], [ 'adaptive', 5000 ], [ 'adaptive', 12_000 ], ...POLICY_NAMES.filter((p) => p !== 'adaptive').map((p): [PolicyName, number] => [p, 1000])];
  for (const [policy, max] of runs) {
    let now = 0;
    const store = new MemoryStore<number>({ max, policy }, { namespace: 't', events: { evicted() {} }, now: () => now });
    const next = random(max);
    let hits = 0;
    for (let i = 0; i < keys.length; i++) {
      now++;
      const key = i % 2 === 0 ? keys[i]! : `k${keys[i]!}`;
      const x = next();
      if (x < 0.01) store.delete(key);
      else if (store.get(key) === MISS) store.set(key, i, x < 0.05 ? { ttlMs: 3000 } : {});
      else hits++;
    }
    out[`store ${policy} ${max}`] = hits;
    const cache = createBoundedCache<number, number>(policy, { max });
    hits = 0;
    for (const key of keys) {
      if (cache.get(key) === undefined) cache.set(key, key);
      else hits++;
    }
    out[`bounded ${policy} ${max}`] = hits;
  }
  return out;
}
