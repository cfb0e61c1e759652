import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashKey } from '../../../runtime/src/key-hash.js';
import { CANDIDATES, SlotCache } from '../../../runtime/src/policy/index.js';
import { SampledAdaptivePolicy } from '../../../runtime/src/policy/adaptive-sampled.js';
import { random, zipf } from './random.js';
import { phasedStream, Recorded, sideBySide, type Op } from './side-by-side.js';

/**
 * The stream of `phasedStream`, its first tenth on 300 keys called often: the record phase of a
 * large cache, with hits.
 */
function operations(seed: number, max: number, length: number): Op[] {
  return phasedStream(seed, max, length, { share: 1 / 10, keys: 300 });
}

/** Runs `ops` through a cache over a lazy and an eager sampled regime, asserting the same hits, slots and leaders after every operation. */
function compare(max: number, ops: Op[]): { switches: number; built: boolean } {
  // The storage gives the policy a slot's hash from its key, as the memory store does.
  const caches: SlotCache<number | string, number>[] = [];
  const hashOf = (i: number) => (slot: number): number => hashKey(caches[i]!.keyIn(slot)!);
  const lazy = new Recorded(new SampledAdaptivePolicy(max, CANDIDATES, 'sieve', hashOf(0)));
  const eager = new Recorded(new SampledAdaptivePolicy(max, CANDIDATES, 'sieve', hashOf(1), false));
  const a = new SlotCache<number | string, number>(lazy);
  const b = new SlotCache<number | string, number>(eager);
  caches.push(a, b);
  assert.equal(lazy.inner.built, false);
  assert.equal(eager.inner.built, true);
  sideBySide(`capacity ${max}`, a, lazy, b, eager, ops);
  const ra = new Int32Array(max);
  const rb = new Int32Array(max);
  assert.deepEqual(ra.subarray(0, lazy.rank(ra)), rb.subarray(0, eager.rank(rb)), `capacity ${max}: the order of the entries`);
  return { switches: eager.inner.switches, built: lazy.inner.built };
}

test('the lazily built sampled regime hands out the same slots, hits and leaders as the one built up front', () => {
  let switches = 0;
  for (const [max, length, seeds] of [[4097, 120_000, [1, 2]], [6000, 150_000, [3]], [20_000, 300_000, [4]]] as const) {
    for (const seed of seeds) {
      const run = compare(max, operations(seed * 1000 + max, max, length));
      assert.ok(run.built, `capacity ${max}: the stream makes candidates disagree, so the simulations were built`);
      switches += run.switches;
    }
  }
  assert.ok(switches > 0, 'the leader changed in some run (the comparison covers hand-overs)');
});

test('the lazy build replays the real cache\'s hits with each recorded batch (the check of the real cache against its leader)', () => {
  // A skewed phase, then a loop over fresh keys that fits the cache: SIEVE holds it in its
  // scaled-down simulation but not in the real cache (0% real), and only the comparison of the
  // real cache's hits with the simulation's, which starts from the recorded batches, moves the leader.
  for (const max of [6000, 12_000]) {
    const hot = zipf(20_000, 0.9, random(11));
    const ops: Op[] = [];
    for (let i = 0; i < 100_000; i++) ops.push({ op: 'get', key: hot() });
    for (let i = 0; i < 60_000; i++) ops.push({ op: 'get', key: 100_000 + (i % 3000) });
    const run = compare(max, ops);
    assert.ok(run.switches > 0, `capacity ${max}: the leader changed`);
  }
});

test('a sampled cache used on few keys never builds its simulations; past their capacity in sampled accesses it does', () => {
  const caches: SlotCache<number, number>[] = [];
  const policy = new SampledAdaptivePolicy(10_000, CANDIDATES, 'sieve', (slot) => hashKey(caches[0]!.keyIn(slot)!));
  const a = new SlotCache<number, number>(policy);
  caches.push(a);
  for (let i = 0; i < 3000; i++) a.set(i, i);
  for (let i = 0; i < 3000; i++) a.get(i);
  // 6,000 accesses at ~1.9% sampled: ~115, under the simulations' ~192 entries.
  assert.equal(policy.built, false);
  assert.equal(policy.active, 'sieve');
  assert.equal(policy.switches, 0);
  for (let i = 3000; i < 20_000; i++) a.set(i, i);
  assert.equal(policy.built, true);
  assert.equal(policy.active, 'sieve');
});

test('a load (entries handed over from elsewhere) builds the simulations first', () => {
  for (const max of [5000, 8192]) {
    const lazy = new SampledAdaptivePolicy(max, CANDIDATES, 'sieve');
    const eager = new SampledAdaptivePolicy(max, CANDIDATES, 'sieve', undefined, false);
    const slots = Int32Array.from({ length: 100 }, (_, i) => i);
    const hashes = Int32Array.from({ length: 100 }, (_, i) => hashKey(`loaded${i}`));
    lazy.load(slots, hashes, 100, 100);
    eager.load(slots, hashes, 100, 100);
    assert.equal(lazy.built, true);
    // Then the same accesses to both, storage played by hand: a hash -> slot map per policy.
    const held = [new Map<number, number>(), new Map<number, number>()];
    const inSlot = [new Map<number, number>(), new Map<number, number>()];
    for (let i = 0; i < 100; i++) for (const m of [0, 1]) { held[m]!.set(hashes[i]!, i); inSlot[m]!.set(i, hashes[i]!); }
    const next = random(max);
    const hot = zipf(4 * max, 0.9, next);
    for (let i = 0; i < 60_000; i++) {
      const hash = hashKey(i % 3 === 0 ? `loaded${i % 100}` : hot());
      const answers = [lazy, eager].map((policy, m) => {
        const slot = held[m]!.get(hash);
        if (slot !== undefined) {
          policy.hit(slot);
          return -2;
        }
        const fresh = policy.miss(hash);
        if (fresh >= 0) {
          const old = inSlot[m]!.get(fresh);
          if (old !== undefined) held[m]!.delete(old);
          held[m]!.set(hash, fresh);
          inSlot[m]!.set(fresh, hash);
        }
        return fresh;
      });
      assert.equal(answers[0], answers[1], `capacity ${max}, access ${i}`);
      assert.equal(lazy.active, eager.active, `capacity ${max}, access ${i}: leader`);
    }
  }
});
