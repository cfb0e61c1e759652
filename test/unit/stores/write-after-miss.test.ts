/**
 * The memory store and the bounded cache skip the lookup of a `set` whose key the last `get`
 * missed (a miss's write). Wrong, a key held already would take a second slot: the duplicate
 * costs capacity (something live is evicted) and, once either slot leaves, the index loses the key.
 * Checked here where the model is exact: capacity for every key, so nothing may ever be evicted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISS, type StoreContext } from '../../../runtime/src/index.js';
import { MemoryStore } from '../../../runtime/src/internal.js';
import { createBoundedCache, POLICY_NAMES } from '../../../runtime/src/policy/index.js';

function random(seed: number): () => number {
  let s = seed;
  return () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
}

const KEYS = 60;

/** A key of one of the kinds the store indexes apart: small integers, other numbers, NaN, strings. */
function keyOf(next: () => number): string | number {
  const n = Math.floor(next() * (KEYS / 4));
  const kind = Math.floor(next() * 4);
  return kind === 0 ? n : kind === 1 ? n + 0.5 + 2 ** 40 : kind === 2 ? `k${n}` : n === 0 ? NaN : -n - 1e6;
}

/** Operations as a memoized function makes them, misses written back, with writes of held keys and nested calls in between. */
function run(next: () => number, ops: {
  get(key: string | number): number | undefined;
  set(key: string | number, value: number): void;
  delete(key: string | number): void;
  size(): number;
}, label: string): void {
  const model = new Map<unknown, number>();
  for (let i = 0; i < 20_000; i++) {
    const key = keyOf(next);
    const r = next();
    if (r < 0.55) {
      // A miss (or a hit), then a write of the same key, possibly after other keys' misses and writes
      // (the function calls itself) or a second write of it (a refresh).
      assert.equal(ops.get(key), model.get(key), `${label}: get ${String(key)} at ${i}`);
      if (next() < 0.3) {
        const other = keyOf(next);
        assert.equal(ops.get(other), model.get(other), `${label}: nested get ${String(other)} at ${i}`);
        if (next() < 0.5) {
          ops.set(other, -i);
          model.set(other, -i);
        }
      }
      ops.set(key, i);
      model.set(key, i);
      if (next() < 0.2) {
        ops.set(key, i + 1);
        model.set(key, i + 1);
      }
    } else if (r < 0.7) {
      ops.set(key, i);
      model.set(key, i);
    } else if (r < 0.85) {
      ops.delete(key);
      model.delete(key);
    } else {
      assert.equal(ops.get(key), model.get(key), `${label}: get ${String(key)} at ${i}`);
    }
    if (i % 97 === 0) assert.equal(ops.size(), model.size, `${label}: size at ${i}`);
  }
  for (const [key, value] of model) assert.equal(ops.get(key as string | number), value, `${label}: ${String(key)} at the end`);
}

test('memory store: the write that follows a miss takes one slot, whatever the policy and the index of the key, and nothing is evicted', () => {
  for (const policy of POLICY_NAMES) {
    for (const maxBytes of [undefined, 1e9]) {
      let evicted = 0;
      const ctx: StoreContext = { namespace: 'ns', now: () => 0, events: { evicted: (reason, count) => { if (reason === 'size') evicted += count; } } };
      const store = new MemoryStore<number>({ max: KEYS, policy, ...(maxBytes === undefined ? {} : { maxBytes }) }, ctx);
      const label = `${policy}${maxBytes === undefined ? '' : ', maxBytes'}`;
      run(random(5), {
        get: (key) => { const v = store.get(key); return v === MISS ? undefined : v; },
        set: (key, value) => store.set(key, value, { bytes: 8 }),
        delete: (key) => { store.delete(key); },
        size: () => store.size,
      }, label);
      assert.equal(evicted, 0, `${label}: entries evicted with room for every key`);
    }
  }
});

test('bounded cache: the write that follows a miss takes one slot, whatever the policy and the kind of key, and nothing is evicted', () => {
  for (const policy of POLICY_NAMES) {
    let evicted = 0;
    const cache = createBoundedCache<string | number, number>(policy, { max: KEYS, onEvict: () => { evicted++; } });
    run(random(9), {
      get: (key) => cache.get(key),
      set: (key, value) => cache.set(key, value),
      delete: (key) => { cache.delete(key); },
      size: () => cache.size,
    }, policy);
    assert.equal(evicted, 0, `${policy}: entries evicted with room for every key`);
    // Object keys (by identity), which the cache does not remember after a miss: looked up again.
    const objects = new Map<string | number, object>();
    const objectFor = (key: string | number): object => objects.get(key) ?? objects.set(key, { key }).get(key)!;
    const byObject = createBoundedCache<object, number>(policy, { max: KEYS, onEvict: () => { evicted++; } });
    run(random(13), {
      get: (key) => byObject.get(objectFor(key)),
      set: (key, value) => byObject.set(objectFor(key), value),
      delete: (key) => { byObject.delete(objectFor(key)); },
      size: () => byObject.size,
    }, `${policy}, object keys`);
    assert.equal(evicted, 0, `${policy}, object keys: entries evicted with room for every key`);
  }
});
