import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CANDIDATES, SlotCache } from '../../../runtime/src/policy/index.js';
import { ExactAdaptivePolicy } from '../../../runtime/src/policy/adaptive-exact.js';
import { LazyExactPolicy } from '../../../runtime/src/policy/adaptive-lazy.js';
import { phasedStream, Recorded, sideBySide, type Op } from './side-by-side.js';

/** The stream of `phasedStream`, its first eighth on half as many keys as the cache holds (the lazy phase). */
function operations(seed: number, max: number, length: number): Op[] {
  return phasedStream(seed, max, length, { share: 1 / 8, keys: Math.max(1, Math.floor(max / 2)) });
}

/** Runs `ops` through a cache over each policy, asserting the same hits, slots and leaders after every operation. */
function compare(max: number, ops: readonly Op[]): { switches: number; built: boolean } {
  const lazy = new Recorded(new LazyExactPolicy(max, CANDIDATES, 'lirs'));
  const eager = new Recorded(new ExactAdaptivePolicy(max, CANDIDATES, 'lirs'));
  sideBySide(`capacity ${max}`, new SlotCache<number | string, number>(lazy), lazy, new SlotCache<number | string, number>(eager), eager, ops);
  return { switches: eager.inner.switches, built: lazy.inner.built };
}

test('the lazily built exact regime hands out the same slots, hits and leaders as the one built up front', () => {
  let switches = 0;
  for (const [max, length] of [[1, 3000], [2, 3000], [3, 3000], [64, 20_000], [1000, 60_000], [5000, 60_000]] as const) {
    for (const seed of max <= 64 ? [1, 2, 3] : [7]) {
      const run = compare(max, operations(seed * 1000 + max, max, length));
      assert.ok(run.built, `capacity ${max}: the stream fills the cache, so the simulations were built`);
      switches += run.switches;
    }
  }
  assert.ok(switches > 0, 'the leader changed in some run (the comparison covers hand-overs)');
});

test('a clear, deletes and re-inserts before the cache fills leave nothing that tells the lazy build apart', () => {
  for (const max of [2, 64, 1000]) {
    const ops: Op[] = [];
    // Before the clear, fewer record entries than the capacity (so the clear comes before the build).
    const half = Math.max(1, max >> 1);
    const quarter = Math.max(1, max >> 2);
    for (let i = 0; i < quarter; i++) ops.push({ op: 'get', key: i }, { op: 'get', key: i % 2 });
    for (let i = 0; i < quarter; i += 3) ops.push({ op: 'delete', key: i });
    ops.push({ op: 'clear', key: 0 });
    for (let i = 0; i < half; i++) ops.push({ op: 'get', key: `s${i}` });
    for (let i = 0; i < half; i += 2) ops.push({ op: 'delete', key: `s${i}` }, { op: 'get', key: `s${i}` });
    // A loop longer than the cache: the simulations fill, evict, and would show any key the clear should have dropped.
    const loop = Math.ceil(1.4 * max) + 1;
    for (let i = 0; i < 10 * loop; i++) ops.push({ op: 'get', key: 1_000_000 + (i % loop) });
    ops.push(...operations(max, max, 20 * max + 200).filter((o) => o.op !== 'clear'));
    const lazy = new LazyExactPolicy(max, CANDIDATES, 'lirs');
    const probe = new SlotCache<number | string, number>(lazy);
    probe.set(0, 0);
    probe.clear();
    assert.equal(lazy.built, false, 'a clear before the cache fills builds nothing');
    compare(max, ops);
  }
});

test('a cache that never fills never builds its simulations, and the first leader stays', () => {
  const policy = new LazyExactPolicy(1000, CANDIDATES, 'lirs');
  const cache = new SlotCache<number, number>(policy);
  for (let i = 0; i < 600; i++) cache.set(i, i);
  for (let i = 0; i < 300; i++) cache.get(i);
  cache.delete(5);
  assert.equal(policy.built, false);
  assert.equal(policy.active, 'lirs');
  assert.equal(policy.switches, 0);
  // The record is full at `capacity` entries: the next access builds them.
  for (let i = 0; i < 100; i++) cache.get(i + 10);
  assert.equal(policy.built, true);
  assert.equal(policy.active, 'lirs');
});
