import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISS, type StoreContext } from '../../../runtime/src/index.js';
import { MemoryStore } from '../../../runtime/src/internal.js';
import { NumberSlots } from '../../../runtime/src/stores/number-slots.js';

/** Numbers of every kind a key can be (NaN aside: the store keeps it in its `Map`). */
function oddNumber(next: () => number): number {
  const r = next();
  const n = Math.floor(next() * 3000);
  if (r < 0.4) return n;
  if (r < 0.55) return -n;
  if (r < 0.7) return n + 0.5;
  if (r < 0.8) return n * 2 ** 40;
  if (r < 0.85) return n * 1e-300;
  const odd = [0, -0, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 31, -(2 ** 31), 2 ** 53, 1024, 1023];
  return odd[Math.floor(next() * odd.length)]!;
}

function random(seed: number): () => number {
  let s = seed;
  return () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
}

test('NumberSlots: 200,000 random set/get/delete/clear operations agree with a Map, through growth and backward-shift deletes', () => {
  const next = random(7);
  const table = new NumberSlots();
  const model = new Map<number, number>();
  for (let i = 0; i < 200_000; i++) {
    const key = oddNumber(next);
    const r = next();
    if (r < 0.45) {
      table.set(key, i);
      model.set(key, i);
    } else if (r < 0.7) {
      assert.equal(table.delete(key), model.delete(key), `delete ${key}`);
    } else if (r < 0.9999) {
      assert.equal(table.get(key), model.get(key) ?? -1, `get ${key}`);
    } else {
      table.clear();
      model.clear();
    }
    assert.equal(table.size, model.size);
  }
  for (const [key, slot] of model) assert.equal(table.get(key), slot);
  assert.deepEqual(table.storeSlots().sort((a, b) => a - b), [...model.values()].sort((a, b) => a - b));
  // 0 and -0 are one key, as in a Map.
  const zero = new NumberSlots();
  zero.set(-0, 3);
  assert.deepEqual([zero.get(0), zero.get(-0), zero.size], [3, 3, 1]);
});

test('MemoryStore: number keys of every kind, with and without maxBytes (two indexes), agree with a model: get, has, size, delete, clear, expiry', () => {
  for (const maxBytes of [undefined, 1e9]) {
    let t = 0;
    const ctx: StoreContext = { namespace: 'ns', now: () => t, events: { evicted: () => undefined } };
    const s = new MemoryStore<number>({ max: Infinity, ...(maxBytes === undefined ? {} : { maxBytes }) }, ctx);
    const model = new Map<unknown, [number, number]>();
    const next = random(11);
    for (let i = 0; i < 30_000; i++) {
      const r = next();
      const key: string | number = next() < 0.05 ? NaN : next() < 0.1 ? `s${Math.floor(next() * 50)}` : oddNumber(next);
      if (r < 0.5) {
        const ttl = next() < 0.2 ? 30 : 0;
        s.set(key, i, ttl === 0 ? { bytes: 8 } : { ttlMs: ttl, bytes: 8 });
        model.set(key, [i, ttl === 0 ? Infinity : t + ttl]);
      } else if (r < 0.65) {
        s.delete(key);
        model.delete(key);
      } else if (r < 0.9995) {
        const m = model.get(key);
        const live = m !== undefined && m[1] > t;
        assert.equal(s.get(key), live ? m[0] : MISS, `get ${String(key)} (maxBytes ${maxBytes})`);
        assert.equal(s.has(key), live);
        if (!live) model.delete(key);
      } else {
        s.clear();
        model.clear();
      }
      if (next() < 0.01) t += 10;
      if (i % 1000 === 0) {
        for (const [key, [, expires]] of model) if (expires <= t) model.delete(key);
        assert.equal(s.size, model.size, `size at ${i} (maxBytes ${maxBytes})`);
      }
    }
  }
});
