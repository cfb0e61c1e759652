/**
 * The panel's "Why did it miss?": the split by cause and the one sentence that says what to change,
 * from the counts the processes sent (pure functions; the panel renders their text).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MISS_CAUSES, REUSE_BUCKET_BOUNDS_MS, type MissCauseCounts } from '../../../protocol/panel.js';
import { medianReuseMs, missAdvice, missSplit, splitText, suggestedTtl } from '../../../webview/src/miss-causes.js';

function counts(partial: Partial<MissCauseCounts>): MissCauseCounts {
  return { ...Object.fromEntries(MISS_CAUSES.map((c) => [c, 0])), ...partial } as MissCauseCounts;
}

/** `n` expiration misses, all reused about 48 s after the write (bucket [41 s, 57.9 s)). */
function reusedAt48s(n: number): number[] {
  const reuse = new Array<number>(REUSE_BUCKET_BOUNDS_MS.length + 1).fill(0);
  reuse[25] = n;
  return reuse;
}

describe('why did it miss', () => {
  it('a too-short TTL: the expiration sentence with the median reuse, the TTL and the suggested one', () => {
    const c = counts({ cold: 300, expired: 1500, evicted: 200, ttlMs: 30_000, reuse: reusedAt48s(1500), longerTtl: [900, 1204, 1300, 1350] });
    assert.equal(splitText(c), '75% expired · 15% first use · 10% evicted (capacity)');
    // The shortest longer TTL that serves at least 80% of what 16x would (1,350): 4 x 30 s.
    assert.deepEqual(suggestedTtl(c), { ttlMs: 120_000, served: 1204 });
    assert.equal(missAdvice(c),
      '75% of misses are expirations: entries are reused after a median of 48.7 s but live 30 s; a TTL of 2 min would have turned 1,204 of those misses into hits.');
  });

  it('expirations that no longer TTL up to 16 x would serve: says a longer TTL would not help', () => {
    const c = counts({ expired: 10, ttlMs: 1000, reuse: reusedAt48s(10), longerTtl: [0, 0, 0, 0] });
    assert.equal(missAdvice(c),
      '100% of misses are expirations: entries are reused after a median of 48.7 s but live 1 s; even a TTL of 16 s would have served none of them, so a longer TTL would not help.');
  });

  it('evictions point at max and What if?', () => {
    assert.match(missAdvice(counts({ cold: 10, evicted: 30 }))!, /^75% of misses are evictions: .*raise max, or open What if\?/);
  });

  it('first uses are the sentence only when they are most misses; else the largest other cause is', () => {
    assert.match(missAdvice(counts({ cold: 60, invalidated: 40 }))!, /^60% of misses are first uses of a key: nothing to tune/);
    assert.match(missAdvice(counts({ cold: 45, invalidated: 30, bypassed: 25 }))!, /^30% of misses follow an invalidation/);
  });

  it('each other cause has its sentence', () => {
    assert.match(missAdvice(counts({ bypassed: 1 }))!, /bypasses: cacheIf/);
    assert.match(missAdvice(counts({ notCacheable: 1 }))!, /could not be stored/);
    assert.match(missAdvice(counts({ unavailable: 1 }))!, /backend was unavailable/);
    assert.match(missAdvice(counts({ unknown: 1 }))!, /^100% of misses are unknown \(shared backend\)/);
  });

  it('no miss: no split and no sentence', () => {
    assert.deepEqual(missSplit(counts({})), []);
    assert.equal(missAdvice(counts({})), undefined);
  });

  it('the median reuse is the middle of the median bucket; below 10 ms and beyond the last bound too', () => {
    const reuse = new Array<number>(REUSE_BUCKET_BOUNDS_MS.length + 1).fill(0);
    reuse[0] = 3;
    assert.equal(medianReuseMs(reuse), 5);
    reuse[0] = 0;
    reuse[REUSE_BUCKET_BOUNDS_MS.length] = 1;
    assert.equal(medianReuseMs(reuse), REUSE_BUCKET_BOUNDS_MS[REUSE_BUCKET_BOUNDS_MS.length - 1]);
    assert.equal(medianReuseMs(undefined), undefined);
  });
});
