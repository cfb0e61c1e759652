/**
 * A policy loaded with entries (the sampled regime hands its entries to a new leader this way)
 * pays for the slots in use, not for its capacity, and decides as a full-size one would; the
 * W-TinyLFU sketch widens with the entries held, estimates unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mix32 } from '../../../runtime/src/key-hash.js';
import { CANDIDATES, createCandidate } from '../../../runtime/src/policy/adaptive-candidates.js';
import { FrequencySketch } from '../../../runtime/src/policy/sketch.js';
import type { SlotPolicy } from '../../../runtime/src/policy/slot-policy.js';
import { random } from './random.js';

/** Distinct random slots below `bound`, and their hashes. */
function entries(next: () => number, count: number, bound: number): { slots: Int32Array; hashes: Int32Array } {
  const taken = new Set<number>();
  while (taken.size < count) taken.add(Math.floor(next() * bound));
  const slots = Int32Array.from(taken);
  return { slots, hashes: slots.map((s) => mix32(s + 7_777)) };
}

/** Drives `policy` like a storage: `hash -> slot` of the keys held, misses, hits and removes; returns what it decided. */
function drive(policy: SlotPolicy, held: Map<number, number>, next: () => number, ops: number, keys: number): number[] {
  const bySlot = new Map<number, number>();
  for (const [hash, slot] of held) bySlot.set(slot, hash);
  const out: number[] = [];
  for (let i = 0; i < ops; i++) {
    const hash = mix32(Math.floor(next() * keys) + 7_777);
    const slot = held.get(hash);
    if (slot !== undefined && next() < 0.05) {
      policy.remove(slot);
      held.delete(hash);
      bySlot.delete(slot);
      out.push(-2);
    } else if (slot !== undefined) {
      policy.hit(slot);
      out.push(-3);
    } else {
      const fresh = policy.miss(hash);
      out.push(fresh);
      if (fresh < 0) continue;
      const old = bySlot.get(fresh);
      if (old !== undefined) held.delete(old);
      held.set(hash, fresh);
      bySlot.set(fresh, hash);
    }
  }
  return out;
}

test('a policy loaded while small decides as one whose pool already had every slot', () => {
  // 3,000 entries: below the sketch's eager size, so W-TinyLFU's counters are alike in both.
  const capacity = 3_000;
  for (const name of CANDIDATES) {
    for (const seed of [1, 2, 3]) {
      const next = random(seed * 31 + name.length);
      const { slots, hashes } = entries(next, 200, 700);
      // `full` ran over every slot first (its arrays and free lists are at full size); `small` is new.
      const full = createCandidate(name, capacity);
      drive(full, new Map(), random(seed), 20_000, 50_000);
      const small = createCandidate(name, capacity);
      full.load(slots, hashes, slots.length, 120);
      small.load(slots, hashes, slots.length, 120);
      const held = (): Map<number, number> => new Map(Array.from(hashes, (h, i) => [h, slots[i]!]));
      const a = drive(small, held(), random(seed + 100), 30_000, 6_000);
      const b = drive(full, held(), random(seed + 100), 30_000, 6_000);
      assert.deepEqual(a, b, `${name}, seed ${seed}: the slots handed out after the load`);
      const ra = new Int32Array(capacity);
      const rb = new Int32Array(capacity);
      assert.deepEqual(ra.subarray(0, small.rank(ra)), rb.subarray(0, full.rank(rb)), `${name}, seed ${seed}: the order of the entries`);
    }
  }
});

test('after a load, the free slots below the highest loaded one are handed out lowest first, then the ones above it', () => {
  for (const name of CANDIDATES) {
    const policy = createCandidate(name, 1_000);
    const slots = Int32Array.from([5, 2, 9]);
    policy.load(slots, slots.map((s) => mix32(s)), 3, 3);
    const handed = Array.from({ length: 8 }, (_, i) => policy.miss(mix32(1_000 + i)));
    assert.deepEqual(handed, [0, 1, 3, 4, 6, 7, 8, 10], name);
  }
});

test('loading a few entries into a policy of ten million costs what the entries cost', () => {
  for (const name of CANDIDATES) {
    const before = process.memoryUsage().arrayBuffers;
    const policy = createCandidate(name, 10_000_000);
    const { slots, hashes } = entries(random(9), 100, 150);
    policy.load(slots, hashes, slots.length, 50);
    for (let i = 0; i < 100; i++) policy.miss(mix32(50_000 + i));
    const grown = process.memoryUsage().arrayBuffers - before;
    // Sized for the capacity, the arrays took 40-300 MB (W-TinyLFU's sketch alone 80 MB).
    assert.ok(grown < 1 << 20, `${name}: ${grown} bytes of typed arrays for 200 entries`);
  }
});

test('the sketch of a large policy widens with its entries: every estimate is what it was', () => {
  const table = new FrequencySketch(10_000_000);
  // A hash's counts, as W-TinyLFU reads and writes them (through its row hashes).
  const rows = new Int32Array(4);
  const sketch = {
    increment: (h: number): void => { table.rows(h, rows, 0); table.incrementRows(rows, 0); },
    frequency: (h: number): number => { table.rows(h, rows, 0); return table.frequencyRows(rows, 0); },
    fit: (entries: number): void => table.fit(entries),
  };
  const next = random(5);
  const hashes = Array.from({ length: 3_000 }, () => mix32(Math.floor(next() * 1e9)));
  for (let i = 0; i < 40_000; i++) sketch.increment(hashes[Math.floor(next() ** 2 * hashes.length)]!);
  const before = hashes.map((h) => sketch.frequency(h));
  const arrays = process.memoryUsage().arrayBuffers;
  sketch.fit(100_000);
  assert.ok(process.memoryUsage().arrayBuffers - arrays >= 4 * 2 * 100_000, 'the table was widened');
  assert.deepEqual(hashes.map((h) => sketch.frequency(h)), before);
  sketch.fit(50_000); // never narrower
  assert.deepEqual(hashes.map((h) => sketch.frequency(h)), before);
  // Counting goes on at the new width.
  sketch.increment(hashes[0]!);
  assert.equal(sketch.frequency(hashes[0]!), Math.min(15, before[0]! + 1));
});
